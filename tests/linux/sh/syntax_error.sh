# a syntax error ends the script with status 2 after what ran before it
echo before
if true; then
    echo inside
fi
echo still fine
for x in a b; do echo $x; done
( echo unbalanced
echo never
