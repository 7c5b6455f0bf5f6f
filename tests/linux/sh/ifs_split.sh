# field splitting and IFS
line="a:b::c"
IFS=:
set -- $line
echo $#
for f in $line; do echo "[$f]"; done
unset IFS
words="  lead   trail  "
set -- $words; echo "$# [$1] [$2]"
IFS=, read a b c <<EOF
x,y,z,w
EOF
echo "$a|$b|$c"
