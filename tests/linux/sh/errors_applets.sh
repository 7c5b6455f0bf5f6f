# error messages of applets go to stderr with their status
cat /tmp/nonexistent_file; echo "cat: $?"
rm /tmp/nonexistent_file; echo "rm: $?"
rmdir /tmp/nonexistent_dir; echo "rmdir: $?"
mkdir /tmp/nonexistent_dir/sub; echo "mkdir: $?"
head -n x /dev/null; echo "head: $?"
sort --badoption 2>&1 | head -n 1; echo "sort done"
seq abc; echo "seq: $?"
