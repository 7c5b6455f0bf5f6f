# kill, kill -0, kill -l
sleep 30 &
p=$!
kill -0 $p; echo "alive: $?"
kill -9 $p
wait $p; echo "status: $?"
kill -0 $p 2>/dev/null; echo "gone: $?"
kill -l 15
kill -l TERM
