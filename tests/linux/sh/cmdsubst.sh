# command substitution, nested, backquotes, trailing newlines
a=$(echo hello)
echo "$a"
b=`echo back quoted`
echo "$b"
c=$(echo $(echo $(echo deep)))
echo "$c"
d=$(printf 'x\n\n\n')
echo "[$d]"
n=$(seq 10 | wc -l)
echo "lines: $n"
echo "status: $(false; echo $?)"
e=$(echo err >&2; echo out) 2>/dev/null
echo "$e"
