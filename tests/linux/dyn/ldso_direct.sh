# Debian's dynamic loader run as a program (the personality loads it as a
# PIE without an interpreter; it then maps the program itself), and the
# loader's environment: LD_LIBRARY_PATH, LD_PRELOAD of a missing object,
# LD_BIND_NOW, and a program run through a relative path.
ld=/lib64/ld-linux-x86-64.so.2
$ld /usr/local/bin/hello_dyn
echo "direct: $?"
$ld --verify /usr/bin/sqlite3
echo "verify: $?"
$ld /usr/bin/lua5.4 -e 'print(("ab"):rep(3), #arg, math.floor(2^40))'
echo "lua through the loader: $?"
$ld /tmp/nosuch
echo "missing program: $?"
LD_LIBRARY_PATH=/nonexistent:/usr/lib/x86_64-linux-gnu /usr/bin/lua5.4 -e 'print("with LD_LIBRARY_PATH")'
LD_BIND_NOW=1 /usr/bin/sqlite3 :memory: 'SELECT sqlite_version() > "3", 6*7;'
LD_PRELOAD=/nonexistent.so /usr/bin/lua5.4 -e 'print("preload ignored")' 2>&1
cd /usr/local && ./bin/hello_dyn > /dev/null
echo "relative: $?"
