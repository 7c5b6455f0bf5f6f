# here-documents feeding loops and functions
f() { while read a b; do echo "$b $a"; done; }
f <<EOF
1 one
2 two
3 three
EOF
for i in 1 2; do
cat <<EOF
iteration $i
EOF
done
