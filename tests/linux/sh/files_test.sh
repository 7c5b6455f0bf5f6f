# test and [ on files
d=/tmp/files_test; mkdir -p $d
echo x > $d/f; : > $d/empty; mkdir $d/dir
for p in $d/f $d/empty $d/dir $d/none; do
    r=""
    [ -e $p ] && r="$r e"
    [ -f $p ] && r="$r f"
    [ -d $p ] && r="$r d"
    [ -s $p ] && r="$r s"
    [ -r $p ] && r="$r r"
    echo "${p#$d/}:$r"
done
[ $d/f -nt /nonexistent ] && echo newer-than-missing
test -z "" && echo empty-string
test abc = abc && echo equal
[ 3 -gt 2 -a 1 -lt 2 ] && echo and
[ ! -e $d/none ] && echo not
rm -r $d
