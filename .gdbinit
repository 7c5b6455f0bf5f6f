# Attach to `make qemu-gdb`. gdb loads this file only if allowed:
#   echo "add-auto-load-safe-path $PWD/.gdbinit" >> ~/.gdbinit
# or run: gdb -x .gdbinit
set architecture i386:x86-64
file build/spinel.elf
source build/gdbport
echo Attached to Spinel. Try: hbreak kmain, continue\n
