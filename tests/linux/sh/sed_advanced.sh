# sed: regex groups, hold space, append/insert, in-place
echo 'john smith' | sed 's/\([a-z]*\) \([a-z]*\)/\2, \1/'
echo 'aaa bbb' | sed -E 's/(a+) (b+)/<\2><\1>/'
printf '1\n2\n3\n' | sed -n '1!G;h;$p'
printf 'a\nb\n' | sed '1i\
inserted'
printf 'a\nb\n' | sed '$a\
appended'
printf 'x\ny\n' > /tmp/sed_advanced.txt
sed -i 's/x/replaced/' /tmp/sed_advanced.txt
cat /tmp/sed_advanced.txt
echo 'a.b.c' | sed 's/\./-/2'
echo hello | sed 's/l*/X/g'
rm /tmp/sed_advanced.txt
