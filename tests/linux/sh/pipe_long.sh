# a long pipeline: ten stages
seq 1 200 | grep 5 | sort -rn | head -n 20 | tac | tr '\n' ' ' | sed 's/ $//' | tr ' ' '\n' | wc -l | tr -d ' '
seq 30 | cat | cat | cat | cat | cat | cat | cat | cat | tail -n 1
