# a here-document larger than a pipe's buffer
cat <<EOF | wc -l
$(seq 3000)
EOF
cat <<EOF | md5sum
$(seq 5000)
EOF
n=0
while read l; do n=$((n + 1)); done <<EOF
$(seq 700)
EOF
echo "read $n lines"
