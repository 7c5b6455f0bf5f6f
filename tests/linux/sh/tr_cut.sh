# tr and cut
echo 'Hello World' | tr a-z A-Z
echo 'Hello World' | tr -d lo
echo 'aaabbbccc' | tr -s abc
echo 'hello 123 world' | tr -cd '0-9\n'
echo 'a b c' | tr ' ' '\n'
echo 'root:x:0:0:root:/root:/bin/sh' | cut -d: -f1,7
echo 'abcdefgh' | cut -c2-4
echo 'abcdefgh' | cut -c5-
printf 'a\tb\tc\n' | cut -f2
echo 'one two three' | cut -d' ' -f2-
