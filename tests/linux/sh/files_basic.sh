# create, copy, move, remove files under /tmp
d=/tmp/files_basic; mkdir $d
echo content > $d/a
cp $d/a $d/b
mv $d/b $d/c
ls $d
cat $d/c
rm $d/a
ls $d
[ -e $d/a ] && echo exists || echo removed
rm $d/c
rmdir $d
[ -d $d ] || echo "directory gone"
