# timeout kills a slow child
timeout 1 sleep 5; echo "timeout: $?"
timeout 5 true; echo "fast: $?"
timeout -s KILL 1 sleep 5; echo "killed: $?"
