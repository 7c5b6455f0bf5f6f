#!/bin/sh
# Writes an assembly file with the kernel's function symbols for the .ksyms
# section: u64 count; {u64 addr; u64 name_offset}[count] sorted; strings.
# Usage: mkksyms.sh kernel.elf > ksyms.S   (no argument: an empty table)
set -e
echo '    .section .ksyms, "a"'
echo '    .global ksyms_blob'
echo '    .balign 8'
echo 'ksyms_blob:'
if [ -z "$1" ]; then
    echo '    .quad 0'
    echo '    .section .note.GNU-stack, "", @progbits'
    exit 0
fi
nm -n --defined-only "$1" | awk '
$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { addr[n] = $1; name[n] = $3; n++ }
END {
    printf "    .quad %d\n", n
    off = 0
    for (i = 0; i < n; i++) {
        printf "    .quad 0x%s, %d\n", addr[i], off
        off += length(name[i]) + 1
    }
    for (i = 0; i < n; i++)
        printf "    .asciz \"%s\"\n", name[i]
}'
echo '    .section .note.GNU-stack, "", @progbits'
