# dd with counts, skips and conversions
printf 'abcdefghijklmnopqrstuvwxyz' > /tmp/dd_applet
dd if=/tmp/dd_applet bs=5 count=2 2>/dev/null; echo
dd if=/tmp/dd_applet bs=1 skip=20 2>/dev/null; echo
dd if=/tmp/dd_applet conv=ucase 2>/dev/null; echo
dd if=/dev/zero of=/tmp/dd_applet bs=1024 count=8 2>/dev/null
wc -c < /tmp/dd_applet
dd if=/tmp/dd_applet bs=1024 2>&1 >/dev/null | head -n 2
rm /tmp/dd_applet
