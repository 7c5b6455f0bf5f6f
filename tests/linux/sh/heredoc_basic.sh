# here-documents: expansion, quoted delimiter, tab stripping
name=world
cat <<EOF
hello $name
sum $((2 + 3))
cmd $(echo sub)
EOF
cat <<'EOF'
no $expansion here $(echo x)
EOF
cat <<-EOF
	tabs stripped
		both tabs
	EOF
cat <<"E O F"
odd delimiter
E O F
