# tar through a pipe, with gzip
d=/tmp/tar_pipe; mkdir -p $d/in/x $d/out
for i in 1 2 3; do seq $((i * 100)) > $d/in/x/f$i; done
tar cf - -C $d/in . | tar xf - -C $d/out
find $d/out -type f | sort
cat $d/out/x/f3 | wc -l
tar czf $d/t.tgz -C $d/in x
tar tzf $d/t.tgz | sort
mkdir $d/z; tar xzf $d/t.tgz -C $d/z
cmp $d/in/x/f2 $d/z/x/f2 && echo same
rm -r $d
