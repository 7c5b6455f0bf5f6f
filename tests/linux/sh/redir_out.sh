# > >> and 2> redirections to files under /tmp
d=/tmp/redir_out; mkdir -p $d
echo one > $d/f
echo two >> $d/f
cat $d/f
echo err 2> $d/e >&2
cat $d/e
ls /nonexistent 2> $d/e2; echo "ls status $?"
cat $d/e2
> $d/empty; wc -c < $d/empty
rm -r $d
