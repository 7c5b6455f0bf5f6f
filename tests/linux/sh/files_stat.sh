# stat, chmod, umask
umask 022
d=/tmp/files_stat; mkdir -p $d
printf '12345' > $d/f
stat -c '%s %a %F' $d/f
chmod 600 $d/f; stat -c '%a' $d/f
chmod u+x $d/f; stat -c '%a' $d/f
chmod a-w $d/f; stat -c '%A' $d/f
mkdir $d/dd; stat -c '%a %F' $d/dd
umask 077; : > $d/g; stat -c '%a' $d/g
umask
rm -r $d
