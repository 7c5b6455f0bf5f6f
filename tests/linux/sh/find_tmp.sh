# find under /tmp
d=/tmp/find_tmp; mkdir -p $d/a/b/c $d/d
touch $d/a/x.txt $d/a/b/y.txt $d/a/b/c/z.c $d/d/w.c
find $d | sort
find $d -type f | sort
find $d -type d | sort
find $d -name '*.c' | sort
find $d -maxdepth 2 | sort
find $d -type f -name '*.txt' -exec echo found {} \; | sort
find $d/nonexistent; echo "status $?"
rm -r $d
