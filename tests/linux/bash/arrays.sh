# bash-static: indexed and associative arrays, with builtins only (PATH=/bin
# on Spinel also holds Spinel's own programs, so these scripts run no command)
a=(one two three)
echo "${#a[@]} ${a[1]} ${a[-1]}"
a+=(four)
echo "${a[*]}"
for i in "${!a[@]}"; do printf '%s=%s ' "$i" "${a[i]}"; done; echo
unset 'a[1]'
echo "${#a[@]} ${a[*]}"
declare -A m=([apple]=red [banana]=yellow)
m[cherry]=dark
for k in apple banana cherry; do echo "$k is ${m[$k]}"; done
echo "${#m[@]}"
[[ -v m[apple] ]] && echo "has apple"
b=("${a[@]:1:2}")
echo "slice: ${b[*]}"
read -ra words <<< "split these  words"
echo "${#words[@]} ${words[2]}"
mapfile -t lines <<EOF
first
second
third
EOF
echo "${lines[1]} of ${#lines[@]}"
