# readonly, unset of variables and functions, export -p
readonly R=1
(R=2) 2>&1 | sed 's|^.*: R|R|'
echo "R=$R"
v=1; unset v; echo "[${v-unset}]"
f() { echo f; }; unset -f f; f 2>/dev/null || echo "function unset: $?"
export E1=one
export -p | grep E1
sh -c 'readonly X=1; X=2; echo not reached'; echo "status $?"
