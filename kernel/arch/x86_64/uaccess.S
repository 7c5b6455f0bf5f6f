/* Copies between kernel and user memory that survive a fault: a fault on the
 * marked instruction resumes at its fixup, which returns -E_FAULT (see the
 * exception table lookup in trap.c). The caller has already checked that the
 * user range lies below USER_TOP. */
#define E_FAULT 2

    .text
/* long uaccess_copy(void *dst, const void *src, size_t n) */
    .global uaccess_copy
uaccess_copy:
    mov %rdx, %rcx
    shr $3, %rcx
1:  rep movsq
    mov %rdx, %rcx
    and $7, %rcx
3:  rep movsb
    xor %eax, %eax
    ret
2:  mov $-E_FAULT, %rax
    ret

    .section __ex_table, "a"
    .quad 1b, 2b
    .quad 3b, 2b

    .section .note.GNU-stack, "", @progbits
