# grep: -c -v -i -n -w -o -E -q -l
printf 'apple\nBanana\ncherry\napple pie\ngrape\n' > /tmp/grep_basic.txt
grep -c apple /tmp/grep_basic.txt
grep -v apple /tmp/grep_basic.txt
grep -i banana /tmp/grep_basic.txt
grep -n ap /tmp/grep_basic.txt
grep -w apple /tmp/grep_basic.txt
grep -o 'a.p' /tmp/grep_basic.txt
grep -E '^(cherry|grape)$' /tmp/grep_basic.txt
grep -q melon /tmp/grep_basic.txt; echo "missing: $?"
grep -l apple /tmp/grep_basic.txt /dev/null
grep apple /nonexistent; echo "status $?"
rm /tmp/grep_basic.txt
