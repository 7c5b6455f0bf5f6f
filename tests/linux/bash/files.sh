# bash-static: redirections and files under /tmp with builtins only
d=/tmp/bash_files
echo "made by bash" > $d.1
echo "second line" >> $d.1
while IFS= read -r line; do echo "[$line]"; done < $d.1
exec {fd}> $d.2
echo "through a named fd" >&$fd
exec {fd}>&-
read -r got < $d.2; echo "$got"
{ echo out; echo err >&2; } 2>&1
printf '%s\n' c b a > $d.3
mapfile -t arr < $d.3; echo "${arr[*]}"
[[ -f $d.1 && -s $d.2 && ! -e $d.none ]] && echo "tests ok"
: > $d.1; [[ -s $d.1 ]] || echo "truncated"
cd /tmp && echo "$PWD" && cd / && echo "$PWD"
exec 3< $d.3; read -r -u 3 first; exec 3<&-; echo "first: $first"
echo "$(< $d.3)" | { read -r x; echo "via pipe: $x"; }
echo missing < /tmp/nonexistent_bash_file
echo "status $?"
/bin/busybox rm $d.1 $d.2 $d.3 # (no rm builtin; the same busybox on both sides)
