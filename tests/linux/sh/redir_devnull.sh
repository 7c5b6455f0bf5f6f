# /dev/null and /dev/zero
echo discarded > /dev/null; echo "status $?"
echo again >> /dev/null; echo "append $?"
ls /nonexistent 2>/dev/null; echo "ls $?"
head -c 16 /dev/zero | od -An -tx1
dd if=/dev/zero bs=512 count=4 2>/dev/null | wc -c
cat /dev/null | wc -c
