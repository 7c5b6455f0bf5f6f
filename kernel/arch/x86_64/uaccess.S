/* Copies between kernel and user memory that survive a fault: a fault on the
 * marked instruction resumes at its fixup, which returns -E_FAULT (see the
 * exception table lookup in trap.c). The caller has already checked that the
 * user range lies below USER_TOP. */
#include <asm-offsets.h>

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

/* long uaccess_upcall_frame(u64 dst, const struct trapframe *tf, u64 kind,
 * u64 addr): writes an upcall frame at user address dst (the trap frame,
 * then kind and addr) and a null return address just below it. The caller
 * has checked dst lies in the env's exception stack and done stac. */
    .global uaccess_upcall_frame
uaccess_upcall_frame:
    mov %rdx, %r8
    mov %rcx, %r9
    mov $TF_SIZE / 8, %ecx
4:  movq $0, -8(%rdi)
5:  rep movsq
6:  mov %r8, UF_KIND - TF_SIZE(%rdi)
7:  mov %r9, UF_ADDR - TF_SIZE(%rdi)
    xor %eax, %eax
    ret

/* long uaccess_probe(u64 addr): reads the u64 at addr WITHOUT stac: 0 if
 * the read worked, -E_FAULT if it faulted. Only for the SMAP test
 * (kernel/smap-probe in ktest.c): on a user address it must fault. */
    .global uaccess_probe
uaccess_probe:
8:  mov (%rdi), %rax
    xor %eax, %eax
    ret

    .section __ex_table, "a"
    .quad 8b, 2b
    .quad 4b, 2b
    .quad 5b, 2b
    .quad 6b, 2b
    .quad 7b, 2b
    .quad 1b, 2b
    .quad 3b, 2b

    .section .note.GNU-stack, "", @progbits
