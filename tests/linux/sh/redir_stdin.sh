# < input redirection and <> read-write
d=/tmp/redir_stdin; mkdir -p $d
printf 'alpha\nbeta\ngamma\n' > $d/in
wc -l < $d/in
while read w; do echo "word $w"; done < $d/in
sort -r < $d/in > $d/out; cat $d/out
cat < /dev/null; echo "dev null status $?"
read x < /dev/null; echo "read at eof: $?"
rm -r $d
