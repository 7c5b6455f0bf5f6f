# background jobs, $!, wait and its status
sleep 0.1 &
wait $!; echo "sleep: $?"
(exit 5) &
wait $!; echo "job: $?"
sleep 10 &
p=$!
kill $p
wait $p; echo "killed: $?"
for i in 1 2 3; do (sleep 0.$i; exit $i) & done
wait; echo "all waited: $?"
