# a writer whose reader went away dies of SIGPIPE
yes | head -n 3
(seq 100000; echo "after seq" >&2) | head -n 1
sh -c 'seq 100000 | head -n 2; exit 5'; echo "status $?"
yes hello | head -c 12; echo
