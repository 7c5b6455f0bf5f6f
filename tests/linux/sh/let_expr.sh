# let, expr and test arithmetic
let x=3*4; echo $x
let "y = x + 1"; echo $y
expr 3 + 4
expr 10 / 3
expr 2 \* 21
expr length hello
expr substr abcdef 2 3
expr index abcdef d
expr 5 \> 3
expr abc : 'a\(.\)'
expr 1 = 2; echo "expr false status $?"
