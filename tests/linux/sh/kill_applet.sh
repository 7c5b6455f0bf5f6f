# kill, kill -0, kill -l (the shell's "Killed" notice for a background job
# comes when it happens to reap it, so its stderr is left out)
exec 3>&2 2>/dev/null
sleep 30 &
p=$!
kill -0 $p; echo "alive: $?"
kill -9 $p
wait $p; echo "status: $?"
kill -0 $p; echo "gone: $?"
exec 2>&3 3>&-
kill -l 15
kill -l TERM
kill -0 999999; echo "no such process: $?"
