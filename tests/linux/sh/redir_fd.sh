# descriptor duplication and closing: 2>&1, >&2, exec 3>, <&-
d=/tmp/redir_fd; mkdir -p $d
{ echo out; echo err >&2; } > $d/both 2>&1
cat $d/both
exec 3> $d/three
echo via three >&3
echo more >&3
exec 3>&-
cat $d/three
exec 4< $d/three
read line <&4; echo "read: $line"
read line <&4; echo "read: $line"
exec 4<&-
echo closed >&4; echo "write to closed fd: $?"
rm -r $d
