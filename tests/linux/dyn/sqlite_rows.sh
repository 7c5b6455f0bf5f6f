# Debian's sqlite3 (dynamically linked: libsqlite3, libreadline, libz...)
# on a database file under /tmp: a table and an index, 10,000 rows inserted
# in one transaction (as 10,000 INSERT statements through a pipe), indexed
# queries, aggregates, an update and a delete, a second connection reading
# it back, then the journal and the file gone.
db=/tmp/rows.db
seq 10000 | awk '
BEGIN { print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL);"
        print "CREATE INDEX t_grp ON t(grp);"
        print "BEGIN;" }
{ printf "INSERT INTO t VALUES(%d, %cn%05d%c, %d, %d.5);\n", $1, 39, ($1 * 7919) % 10007, 39, $1 % 13, $1 % 100 }
END { print "COMMIT;" }' | /usr/bin/sqlite3 $db
echo "insert: $?"
/usr/bin/sqlite3 $db <<'SQL'
SELECT count(*), sum(grp), min(name), max(name), total(val) FROM t;
SELECT grp, count(*), avg(val), min(id), max(id) FROM t GROUP BY grp ORDER BY grp;
SELECT id, name FROM t WHERE grp = 5 ORDER BY name LIMIT 5;
SELECT count(*) FROM t WHERE grp = 12 AND val > 50;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE grp = 3;
SELECT name FROM t WHERE id IN (1, 5000, 10000);
BEGIN;
UPDATE t SET val = val * 2 WHERE grp = 0;
DELETE FROM t WHERE id % 10 = 0;
COMMIT;
SELECT count(*), printf('%.2f', sum(val)) FROM t;
PRAGMA integrity_check;
SELECT group_concat(name, ' ') FROM (SELECT name FROM t ORDER BY name DESC LIMIT 4);
SQL
echo "query: $?"
/usr/bin/sqlite3 -header -column $db 'SELECT grp, count(*) AS n FROM t WHERE grp < 3 GROUP BY grp;'
echo "select 1 from nosuch;" | /usr/bin/sqlite3 $db
echo "error: $?"
ls /tmp
rm -f $db
