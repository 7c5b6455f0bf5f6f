# tar c and x of files under /tmp
d=/tmp/tar_roundtrip; mkdir -p $d/src/sub $d/dst
echo one > $d/src/a
seq 1000 > $d/src/sub/b
printf 'x\ny\n' > $d/src/sub/c
cd $d/src && tar cf $d/t.tar . && cd /
tar tf $d/t.tar | sort
tar xf $d/t.tar -C $d/dst
cat $d/dst/a
md5sum < $d/dst/sub/b
diff -r $d/src $d/dst && echo identical
rm -r $d
