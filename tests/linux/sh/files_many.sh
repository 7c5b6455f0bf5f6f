# many files in one directory
d=/tmp/files_many; mkdir -p $d
i=0
while [ $i -lt 100 ]; do echo $i > $d/f$i; i=$((i + 1)); done
ls $d | wc -l
cat $d/f42 $d/f99
ls $d | sort -t f -k2 -n | tail -n 3
rm $d/f*
ls $d | wc -l
rmdir $d
