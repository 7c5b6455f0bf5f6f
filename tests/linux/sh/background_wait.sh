# background jobs, $!, wait and its status (the shell's "Terminated" notice
# for a background job comes when it happens to reap it: stderr left out)
sleep 0.1 &
wait $!; echo "sleep: $?"
(exit 5) &
wait $!; echo "job: $?"
{
    sleep 10 &
    p=$!
    kill $p
    wait $p; echo "killed: $?"
} 2>/dev/null
for i in 1 2 3; do (sleep 0.$i; exit $i) & done
wait; echo "all waited: $?"
