# echo and printf builtins: arguments, escapes, quoting
echo hello world
echo "two  spaces" 'single $quoted'
echo -n "no newline"; echo
echo -e 'tab\there\nnewline'
printf '%s|%s|%s\n' a b c
printf '%5d|%-5d|%05d\n' 42 42 42
printf '%x %o %X %c\n' 255 8 3054 A
printf '%.3s|%10.4f\n' abcdef 3.14159
printf '%s\n' one two three
