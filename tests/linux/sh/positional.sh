# positional parameters, shift, set --, $@ vs $*
set -- one two three "four five"
echo "$#: $1 $2"
shift; echo "$#: $1"
shift 2; echo "$#: $1"
set -- a b c
for x in "$@"; do echo "@ $x"; done
for x in "$*"; do echo "* $x"; done
IFS=:; echo "$*"; unset IFS
show() { echo "$0 $#"; }
show x y | sed 's|^.*/||'
