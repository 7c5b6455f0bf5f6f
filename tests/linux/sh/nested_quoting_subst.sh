# command substitution with pipes, redirections and quotes inside
n=$(seq 100 | grep -c 3)
echo "$n"
out=$( { echo a; echo b >&2; } 2>&1 | sort -r | tr '\n' , )
echo "$out"
x=$(cat <<EOF
heredoc in substitution
EOF
)
echo "$x"
y="$(echo "a   b")"; echo "$y"
z=$(echo $(echo "a   b")); echo "$z"
