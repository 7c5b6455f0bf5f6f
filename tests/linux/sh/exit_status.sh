# exit statuses: not found, not executable, set -e
nosuchcommand; echo "not found $?"
d=/tmp/exit_status; mkdir -p $d
echo 'echo hi' > $d/noexec; chmod 644 $d/noexec
$d/noexec; echo "not executable $?"
/tmp/exit_status/none/x; echo "no such path $?"
(set -e; false; echo "not reached"); echo "set -e: $?"
(set -e; false || true; echo "reached"); echo "status $?"
rm -r $d
exit 3
