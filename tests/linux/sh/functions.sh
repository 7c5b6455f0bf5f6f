# functions: arguments, return, local, recursion
greet() { echo "hello $1 ($#)"; }
greet world
greet a b c
ret() { return $1; }
ret 3; echo "returned $?"
x=global
scope() { local x=local; echo "inside $x"; }
scope; echo "outside $x"
fact() {
    if [ $1 -le 1 ]; then echo 1; return; fi
    echo $(($1 * $(fact $(($1 - 1)))))
}
fact 10
args() { for a in "$@"; do echo "<$a>"; done; }
args "one two" three "" four
