# a file of a few hundred KiB, written and read back
d=/tmp/files_big; mkdir -p $d
seq 60000 > $d/f
wc -c < $d/f
md5sum < $d/f
tail -n 1 $d/f
dd if=$d/f of=$d/g bs=4096 2>/dev/null
cmp $d/f $d/g && echo copies equal
dd if=$d/f bs=1 skip=100 count=20 2>/dev/null; echo
rm -r $d
