# mkdir -p, rmdir, cd and pwd
mkdir -p /tmp/files_dirs/a/b/c
cd /tmp/files_dirs/a/b
pwd
cd c && pwd
cd ../.. && pwd
cd /tmp/files_dirs
ls -R | sed 's|^\./||'
mkdir a 2>&1; echo "mkdir existing: $?"
rmdir a 2>&1; echo "rmdir non-empty: $?"
rmdir -p a/b/c 2>/dev/null
ls
cd /
rm -r /tmp/files_dirs
echo "cd to missing:"; cd /tmp/nonexistent; echo "status $?"
