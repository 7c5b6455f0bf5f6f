# Two sqlite3 processes on one database file: while one holds an exclusive
# transaction open (its fcntl write locks), the other's write and read fail
# with "database is locked"; once the first commits, the second gets
# through. The first signals that it holds the lock by writing /tmp/ready
# (.output), and waits for /tmp/go before it commits.
db=/tmp/locks.db
/usr/bin/sqlite3 $db 'CREATE TABLE t(x); INSERT INTO t VALUES(1);'
{
    echo "BEGIN EXCLUSIVE;"
    echo "INSERT INTO t VALUES(10);"
    echo ".output /tmp/ready"
    echo "SELECT 'holding';"
    echo ".output stdout"
    while [ ! -e /tmp/go ]; do sleep 0.05; done
    echo "COMMIT;"
    echo "SELECT 'first: ' || count(*) FROM t;"
} | /usr/bin/sqlite3 $db &
while [ ! -s /tmp/ready ]; do sleep 0.05; done
cat /tmp/ready
/usr/bin/sqlite3 $db 'INSERT INTO t VALUES(2);'
echo "write while locked: $?"
/usr/bin/sqlite3 $db 'SELECT count(*) FROM t;'
echo "read while locked: $?"
touch /tmp/go
wait
/usr/bin/sqlite3 $db 'INSERT INTO t VALUES(3); SELECT group_concat(x) FROM t;'
echo "after commit: $?"
rm -f $db /tmp/ready /tmp/go
ls /tmp
