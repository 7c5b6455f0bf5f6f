# subshells do not change the parent
x=outer
(x=inner; echo "in: $x")
echo "out: $x"
(cd /tmp && pwd)
pwd
(exit 7); echo "subshell status $?"
( echo a; (echo b; (echo c)) )
v=$( (echo nested) ); echo "$v"
