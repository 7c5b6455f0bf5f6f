/* The child of the domain_create benchmark row: exits at once.  Like
 * Linux's /bin/exit0 on the other side (tools/bench/run.sh), it is three
 * instructions, sys_exit(0), without the C library: the row measures
 * making, running and ending an env, not loading a C runtime (before, this
 * program linked libc and its 44 KiB of .bss: 15 more pages to load). */
#include <spinel/kcall_nums.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

__asm__(".globl _start\n"
        "_start:\n"
        "    mov $" STR(SYS_exit) ", %eax\n"
                                  "    xor %edi, %edi\n"
                                  "    syscall\n"
                                  "    ud2\n");
