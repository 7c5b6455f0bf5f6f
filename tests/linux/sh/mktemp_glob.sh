# globbing in /tmp
d=/tmp/mktemp_glob; mkdir -p $d
touch $d/a.txt $d/b.txt $d/c.log $d/.hidden
cd $d
echo *
echo *.txt
echo ?.log
echo [ab]*
echo .h*
echo *.none
cd /
rm -r $d
