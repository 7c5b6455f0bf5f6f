# exit status of pipelines and negation
true | false; echo "false last: $?"
false | true; echo "true last: $?"
! true; echo "negated true: $?"
! false; echo "negated false: $?"
echo x | grep -q y; echo "grep miss: $?"
echo y | grep -q y; echo "grep hit: $?"
