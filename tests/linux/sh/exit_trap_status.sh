# the EXIT trap sees the exit status; exit inside a trap
trap 'echo "exit trap, status $?"' EXIT
echo working
false
exit 9
