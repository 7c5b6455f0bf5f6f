# sed: substitution, addresses, printing, deleting
printf 'one\ntwo\nthree\nfour\nfive\n' > /tmp/sed_basic.txt
sed 's/o/0/' /tmp/sed_basic.txt | tr '\n' ' '; echo
sed 's/o/0/g' /tmp/sed_basic.txt | tr '\n' ' '; echo
sed -n '2,4p' /tmp/sed_basic.txt
sed '/three/d' /tmp/sed_basic.txt | wc -l
sed -n '$p' /tmp/sed_basic.txt
sed -e 's/^/[/' -e 's/$/]/' /tmp/sed_basic.txt | head -n 2
sed 'y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/' /tmp/sed_basic.txt | tail -n 1
sed -n '/^t/p' /tmp/sed_basic.txt
rm /tmp/sed_basic.txt
