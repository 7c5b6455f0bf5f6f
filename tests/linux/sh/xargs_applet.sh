# xargs
seq 10 | xargs echo
seq 10 | xargs -n 3 echo
printf 'a b\nc\n' | xargs -n 1 echo item
echo 'one two' | xargs -I{} echo '<{}>'
seq 5 | xargs sh -c 'echo $#' sh
