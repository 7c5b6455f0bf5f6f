# processing a generated file line by line
d=/tmp/while_read_file; mkdir -p $d
for i in $(seq 1 20); do echo "$i $((i * i))"; done > $d/sq
total=0
while read n sq; do total=$((total + sq)); done < $d/sq
echo "total $total"
awk '{ s += $2 } END { print s }' $d/sq
grep -c '^1' $d/sq
rm -r $d
