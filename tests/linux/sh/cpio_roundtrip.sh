# cpio -o and -i
d=/tmp/cpio_roundtrip; mkdir -p $d/in $d/out
seq 10 > $d/in/ten; echo hi > $d/in/hi
cd $d/in && ls | cpio -o -H newc 2>/dev/null > $d/a.cpio
cd $d/out && cpio -i < $d/a.cpio 2>/dev/null
cd /
ls $d/out
cat $d/out/hi
tail -n 1 $d/out/ten
rm -r $d
