# busybox ash's bash-like features: [[ ]], ${var^^}-free substrings, source
x=abc
[[ $x == a* ]] && echo "glob match"
[[ -n $x && $x != xyz ]] && echo "and"
echo ${x:1:1}
d=/tmp/ash_features; mkdir -p $d
echo 'sourced_var=from_file' > $d/lib.sh
. $d/lib.sh; echo "$sourced_var"
echo $((RANDOM >= 0))
rm -r $d
