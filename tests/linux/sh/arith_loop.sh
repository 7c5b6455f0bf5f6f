# loops with arithmetic
i=0; s=0
while [ $i -lt 100 ]; do s=$((s + i)); i=$((i + 1)); done
echo "sum $s"
n=1
until [ $n -gt 1000 ]; do n=$((n * 2)); done
echo "power $n"
for a in 1 2 3; do for b in 1 2 3; do printf '%d ' $((a * b)); done; echo; done
