# find -exec rm, -empty, -size, xargs rm
d=/tmp/find_delete; mkdir -p $d/s
seq 1000 > $d/big; : > $d/empty; echo x > $d/s/small
find $d -empty | sort
find $d -type f -size +1k
find $d -name empty -exec rm {} \;
ls $d
find $d -type f | sort | xargs rm
find $d | sort
rm -r $d
