# bash-static: string operations, [[ ]], regex, printf -v, brace expansion
s="Hello, World"
echo "${s,,} ${s^^} ${s:7} ${#s}"
echo "${s/World/Spinel}"
[[ $s == Hello* ]] && echo "glob"
if [[ "abc123" =~ ^([a-z]+)([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"; fi
printf -v out '%05.1f|%x' 3.14159 255; echo "$out"
echo {a,b,c}{1,2}
echo {1..5} {10..1..3} {a..e}
x=$'tab\there'; echo "$x"
echo "${s@Q}"
n=010; echo $((10#$n + 1))
str="a-b-c"; IFS=- read -r p q r <<< "$str"; echo "$r$q$p"
