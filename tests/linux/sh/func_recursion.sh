# deep-ish recursion and fibonacci through command substitution
fib() {
    if [ $1 -lt 2 ]; then echo $1; return; fi
    echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) ))
}
fib 12
count() { [ $1 -eq 0 ] && return 0; count $(($1 - 1)); }
count 200; echo "count status $?"
