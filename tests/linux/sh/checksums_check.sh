# md5sum -c and sha256sum -c, cksum, sum, crc32
d=/tmp/checksums_check; mkdir -p $d; cd $d
seq 500 > a; echo hello > b
md5sum a b > sums.md5
sha256sum a b > sums.sha
md5sum -c sums.md5
sha256sum -c sums.sha
echo changed > b
md5sum -c sums.md5; echo "after change: $?"
crc32 a
cd /; rm -r $d
