# sort and uniq
printf 'pear\napple\nfig\napple\nkiwi\nfig\napple\n' > /tmp/sort_uniq.txt
sort /tmp/sort_uniq.txt | uniq
sort /tmp/sort_uniq.txt | uniq -c
sort /tmp/sort_uniq.txt | uniq -d
sort -u /tmp/sort_uniq.txt | tr '\n' ' '; echo
sort -r /tmp/sort_uniq.txt | head -n 2
printf '10\n9\n100\n1\n' | sort -n | tr '\n' ' '; echo
printf '10\n9\n100\n1\n' | sort | tr '\n' ' '; echo
printf 'b 2\na 3\nc 1\n' | sort -k2 -n
printf 'x:3\ny:1\nz:2\n' | sort -t: -k2 -r
seq 100 | sort -rn | head -3
rm /tmp/sort_uniq.txt
