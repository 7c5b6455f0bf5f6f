# cmp and diff
d=/tmp/cmp_diff; mkdir -p $d
printf 'a\nb\nc\n' > $d/1
printf 'a\nB\nc\nd\n' > $d/2
cmp $d/1 $d/1; echo "same: $?"
cmp $d/1 $d/2 | sed 's|/tmp/cmp_diff/||g'; echo "differ"
diff $d/1 $d/2 | grep -v '^[-+][-+]'; echo "diff: $?"
cd $d && diff -u 1 2 | tail -n +3; cd /
rm -r $d
