# quoting rules
x='a  b'
echo $x
echo "$x"
echo '$x'
echo "\$x \"q\" \\"
echo 'it'\''s'
echo "tab:	end"
echo a\ b
echo "$(echo "inner \"quotes\"")"
echo *nonexistent*glob*
