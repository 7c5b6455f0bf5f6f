# a here-document into a file under /tmp, read back
d=/tmp/heredoc_file; mkdir -p $d
cat > $d/f <<EOF
line one
line two
line three
EOF
wc -l < $d/f
grep -n two $d/f
sed -n '3p' $d/f
rm -r $d
