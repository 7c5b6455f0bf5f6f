# pipelines of applets
echo hello | tr a-z A-Z
seq 10 | tac | head -n 3
printf 'b\na\nc\n' | sort | tr '\n' ' '; echo
seq 1 5 | while read n; do echo "line $n"; done | tail -n 2
echo abc | rev | rev | wc -c
