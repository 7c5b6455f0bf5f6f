# string handling with the shell and applets
s="The quick brown fox"
echo ${#s}
echo "$s" | awk '{ print NF }'
echo "$s" | tr ' ' '\n' | sort | tr '\n' ' '; echo
echo "$s" | sed 's/\(quick\) \(brown\)/\2 \1/'
up=$(echo "$s" | tr a-z A-Z); echo "$up"
basename /usr/lib/file.tar.gz .gz
dirname /usr/lib/file.tar.gz
realpath /tmp/../tmp/./
printf '%s\n' "$s" | cut -c5-9
