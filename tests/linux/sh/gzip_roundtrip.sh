# gzip -c | gunzip -c, zcat
seq 10000 | gzip -c | gunzip -c | md5sum
seq 10000 | md5sum
seq 10000 | gzip -9 -c | wc -c
echo hello | gzip -c | zcat
d=/tmp/gzip_roundtrip; mkdir -p $d
seq 300 > $d/f
gzip $d/f
ls $d
gunzip $d/f.gz
ls $d
wc -l < $d/f
echo garbage | gunzip -c; echo "bad input: $?"
rm -r $d
