# background writers, collected in order with wait
d=/tmp/background_output; mkdir -p $d
for i in 1 2 3 4; do (seq $i > $d/out$i) & done
wait
cat $d/out1 $d/out2 $d/out3 $d/out4 | tr '\n' ' '; echo
rm -r $d
