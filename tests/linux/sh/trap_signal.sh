# traps on signals sent to ourselves
trap 'echo got USR1' USR1
kill -USR1 $$
echo after usr1
trap 'echo got TERM' TERM
kill -TERM $$
echo after term
trap 'echo got INT' INT
kill -INT $$
echo after int
trap - USR1
trap '' HUP
kill -HUP $$
echo hup ignored
