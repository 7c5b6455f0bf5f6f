# grep -c on generated data, fgrep, egrep, -x
seq 1000 | grep -c 7
seq 1000 | grep -c '^1'
seq 100 | grep -x 42
seq 100 | grep -F -c 9
seq 30 | grep -E -c '^[12][05]$'
seq 100 | grep -v -c 1
