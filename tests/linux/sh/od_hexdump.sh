# od, hexdump, xxd, base64, uuencode
printf 'Hello\n' | od -c
printf 'Hello\n' | od -An -tx1
printf '\000\001\377' | od -An -tu1
printf 'Spinel exokernel' | hexdump -C
printf 'abc' | xxd
printf 'Spinel exokernel\n' | base64
echo 'U3BpbmVsIGV4b2tlcm5lbAo=' | base64 -d
printf 'hello' | xxd -p
