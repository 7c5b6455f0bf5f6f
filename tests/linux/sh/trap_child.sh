# traps and signals in child shells
sh -c 'trap "echo caught TERM; exit 3" TERM; kill -TERM $$; echo not reached'; echo "status $?"
sh -c 'trap "" TERM; kill -TERM $$; echo survived'; echo "status $?"
sh -c 'kill -USR2 $$; echo not reached'; echo "status $?"
sh -c 'kill -SEGV $$'; echo "status $?"
