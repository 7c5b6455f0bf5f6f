# more data through pipes than a pipe holds
seq 100000 | md5sum
seq 100000 | wc -l
seq 50000 | sort -rn | head -n 3
seq 20000 | awk '{ s += $1 } END { print s }'
head -c 300000 /dev/zero | tr '\0' 'a' | wc -c
