# for, while, until, break, continue, case
for i in 1 2 3 4 5 6; do
    [ $i -eq 2 ] && continue
    [ $i -eq 5 ] && break
    echo "i=$i"
done
for i in a b; do for j in 1 2 3; do
    [ $j -eq 2 ] && continue 2
    echo "$i$j"
done; done
for w in apple banana cherry 42 "x y"; do
    case $w in
    a*) echo "$w: a-word" ;;
    b*|c*) echo "$w: b or c" ;;
    [0-9]*) echo "$w: number" ;;
    *) echo "$w: other" ;;
    esac
done
