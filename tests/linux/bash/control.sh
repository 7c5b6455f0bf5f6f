# bash-static: functions, local, recursion, traps, subshells, extglob, exit status
shopt -s extglob
fib() { local n=$1; (( n < 2 )) && { echo $n; return; }; echo $(( $(fib $((n-1))) + $(fib $((n-2))) )); }
fib 10
f() { local -i x=5; x+=3; echo $x; return 7; }
f; echo "status $?"
trap 'echo "exit trap $?"' EXIT
trap 'echo "got USR1"' USR1
kill -USR1 $$
(exit 4); echo "subshell $?"
for ((i = 0; i < 5; i++)); do (( i == 2 )) && continue; printf '%d ' $i; done; echo
select_case() { case $1 in [0-9]) echo digit;; +([a-z])) echo word;; *) echo other;; esac; }
select_case 7; select_case abc; select_case "a b"
declare -i count=0
while (( count < 1000 )); do (( count += 7 )); done; echo $count
echo "$(( 2**40 )) $(( -17 / 5 )) $(( -17 % 5 ))"
set -o pipefail; false | true; echo "pipefail $?"
exit 6
