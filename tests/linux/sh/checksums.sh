# message digests of stdin and of files
echo -n '' | md5sum
echo 'abc' | md5sum
echo 'abc' | sha1sum
echo 'abc' | sha256sum
echo 'abc' | sha512sum
echo 'abc' | sha3sum
seq 1000 | sha256sum
d=/tmp/checksums; mkdir -p $d
echo data > $d/f1; seq 100 > $d/f2
cd $d && md5sum f1 f2 && cd /
rm -r $d
