/* Program entry: the kernel starts a program at _start with rsp at the top of
 * its stack. Call main() and pass its result to exit() when the program has
 * one (the Unix library OS's closes descriptors and tells the parent), else
 * to sys_exit. */
    .text
    .global _start
    .weak exit
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call main
    mov %eax, %edi
    mov $exit, %rax
    test %rax, %rax
    jz 1f
    call *%rax
1:  mov $2, %eax        /* SYS_exit */
#ifdef EXO_FOREIGN
    int $0x81
#else
    syscall
#endif
    ud2

/* The mark of a Spinel program (lib/unix's execv runs an ELF without it
 * under the Linux personality, lib/linux): a note "Spinel", type 1. */
    .section .note.spinel, "a", @note
    .balign 4
    .long 7, 4, 1
    .asciz "Spinel"
    .balign 4
    .long 1

    .section .note.GNU-stack, "", @progbits
