# awk: fields, NR, NF, separators, printf
printf 'alice 30\nbob 25\ncarol 35\n' | awk '{ print $2, $1 }'
printf 'alice 30\nbob 25\ncarol 35\n' | awk '$2 > 28 { print NR": "$1 }'
printf 'a:b:c\nd:e:f\n' | awk -F: '{ print NF, $NF }'
echo '3 4' | awk '{ printf "%d * %d = %d\n", $1, $2, $1 * $2 }'
printf '1\n2\n3\n4\n' | awk '{ s += $1 } END { print "sum", s, "avg", s / NR }'
echo | awk 'BEGIN { OFS = "-" } { $1 = "x"; $3 = "z"; print }'
awk 'BEGIN { print length("hello"), substr("hello", 2, 3), index("hello", "ll") }'
