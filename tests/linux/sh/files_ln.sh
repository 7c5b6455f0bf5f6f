# links: ln -s, readlink, ln (hard)
d=/tmp/files_ln; mkdir -p $d
echo target > $d/t
ln -s $d/t $d/s
readlink $d/s
cat $d/s
ln $d/t $d/h
echo more >> $d/h
cat $d/t
[ -L $d/s ] && echo "s is a symlink"
rm $d/t
cat $d/s 2>&1 | sed 's|/tmp/files_ln/||'
cat $d/h
rm -r $d
