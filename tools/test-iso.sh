#!/bin/bash
# Boots build/spinel.iso through GRUB under QEMU, types a few commands at
# init's prompt and checks the answers.
set -u
log=build/test-iso.log
(sleep 8; printf 'echo iso-boot-ok\r'; sleep 2; printf 'exit\r') |
    timeout --foreground -k 5 90 qemu-system-x86_64 -accel tcg -cpu max -m 256M -no-reboot \
        -cdrom build/spinel.iso -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -display none -serial stdio > "$log" 2>&1
status=$?
if [ $status = 1 ] && grep -aq '^iso-boot-ok' "$log" && grep -aq 'init stopped: exit 0' "$log"; then
    echo "PASS iso: GRUB booted Spinel; init answered and exited"
    exit 0
fi
echo "FAIL iso: QEMU status $status; see $log"
exit 1
