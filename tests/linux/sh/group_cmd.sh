# { } groups share the shell; redirection of a group
d=/tmp/group_cmd; mkdir -p $d
{ echo one; echo two; } > $d/f
cat $d/f
y=1
{ y=2; }
echo "y=$y"
{ echo a; false; } && echo "and" || echo "or"
rm -r $d
