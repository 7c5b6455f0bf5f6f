# appending, truncating, tee
d=/tmp/files_append; mkdir -p $d
for i in 1 2 3; do echo "line $i" >> $d/log; done
cat $d/log
echo new > $d/log; cat $d/log
seq 3 | tee $d/t1 $d/t2 | wc -l
cat $d/t1 $d/t2 | tr '\n' ' '; echo
echo more | tee -a $d/t1 > /dev/null; cat $d/t1 | tr '\n' ' '; echo
truncate -s 2 $d/t2; od -c $d/t2
rm -r $d
