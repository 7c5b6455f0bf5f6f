/* Program entry: the kernel starts a program at _start with rsp at the top of
 * its stack. Call main() and pass its result to sys_exit. */
    .text
    .global _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call main
    mov %eax, %edi
    mov $2, %eax        /* SYS_exit */
    syscall
    ud2

    .section .note.GNU-stack, "", @progbits
