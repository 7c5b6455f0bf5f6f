# exit from inside a function and a loop; return and exit values out of range
f() { while true; do exit 4; done; echo not reached; }
(f); echo "subshell f: $?"
g() { return 300; }
g; echo "return 300: $?"
(exit 256); echo "exit 256: $?"
(exit -1) 2>/dev/null; echo "exit -1: $?"
false
