# rev, fold, nl, paste, expand, strings
echo 'abcdef' | rev
echo 'abcdefghijklmnop' | fold -w 5
printf 'a\nb\nc\n' | nl
printf '1\n2\n3\n4\n' | paste -d, - -
printf 'a\tb\n' | expand -t 4
printf 'ab\001\002printable text\003xy\n' | strings
printf 'x\ny\n' > /tmp/text_misc1; printf '1\n2\n' > /tmp/text_misc2
paste /tmp/text_misc1 /tmp/text_misc2
rm /tmp/text_misc1 /tmp/text_misc2
