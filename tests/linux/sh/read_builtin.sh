# read: -r, multiple variables, default REPLY, loops
read a b rest <<EOF
one two three four
EOF
echo "$a|$b|$rest"
read -r raw <<'EOF'
back\slash
EOF
echo "$raw"
read cooked <<'EOF'
back\slash
EOF
echo "$cooked"
read <<EOF
reply var
EOF
echo "$REPLY"
printf 'x y\nz\n' | while read p q; do echo "[$p][$q]"; done
