# head and tail
seq 20 > /tmp/head_tail.txt
head -n 3 /tmp/head_tail.txt
tail -n 3 /tmp/head_tail.txt
tail -n +18 /tmp/head_tail.txt
head -c 5 /tmp/head_tail.txt; echo
tail -c 6 /tmp/head_tail.txt
head -n -17 /tmp/head_tail.txt
seq 5 | head -n 1
seq 5 | tail -n 1
head -n 2 /tmp/head_tail.txt /tmp/head_tail.txt
rm /tmp/head_tail.txt
