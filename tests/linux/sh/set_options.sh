# set -u, -x, -f, -o
(set -u; echo "$undefined_variable"; echo no) 2>&1 | sed 's|^/tests/.*: line|script: line|'
set -f; echo /tmp/*; set +f
(set -x; echo traced) 2>&1
set -o | grep -E '^(errexit|noglob|nounset) ' | tr -s ' \t' ' '
set -- x; set -e; true; echo "still here"
