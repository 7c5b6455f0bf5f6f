# parameter expansion
v=hello.world.txt
echo ${v#*.} ${v##*.} ${v%.*} ${v%%.*}
echo ${#v}
echo ${unset:-default} ${unset-dash}
e=; echo "[${e:-empty}] [${e-set}]"
echo ${v:0:5} ${v:6}
echo ${v/o/0} ${v//o/0}
: ${new:=assigned}; echo $new
echo ${v:+alternate}
s="a b  c"
set -- $s; echo $#
set -- "$s"; echo $#
