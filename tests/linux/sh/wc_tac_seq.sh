# wc, tac and seq
printf 'one two\nthree\n' > /tmp/wc_tac_seq.txt
wc -l < /tmp/wc_tac_seq.txt
wc -w < /tmp/wc_tac_seq.txt
wc -c < /tmp/wc_tac_seq.txt
wc /tmp/wc_tac_seq.txt
tac /tmp/wc_tac_seq.txt
seq 5 | tac | tr '\n' ' '; echo
seq 3 3 15 | tr '\n' ' '; echo
seq 10 -2 1 | tr '\n' ' '; echo
seq -s, 5
seq -w 8 11
rm /tmp/wc_tac_seq.txt
