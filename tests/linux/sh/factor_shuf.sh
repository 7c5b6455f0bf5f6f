# factor, and deterministic number applets
factor 360 97 1001 65536
seq 10 | shuf -n 10 | sort -n | tr '\n' ' '; echo
seq 100 | shuf | sort -n | md5sum
seq 100 | md5sum
