/* The application processors' way into the kernel (smp.c). An AP woken by
 * INIT-SIPI-SIPI starts in real mode at TRAMP_PA (CS = TRAMP_PA >> 4, IP 0).
 * The code from tramp_start to tramp_end is position-dependent: smp.c
 * copies it to TRAMP_PA (below 1 MiB) and fills in its data block
 * (struct tramp_data in smp.c) before each start. It goes
 *   real mode -> 32-bit protected mode (its own GDT) -> long mode on the boot
 *   page tables (boot.S: low 4 GiB identity, kernel at -2 GiB) -> a jump to
 *   ap_entry64, in the kernel's higher half, which loads the kernel's page
 *   tables and the CPU's idle stack and calls ap_main(cpu).
 * It lives in .rodata: never executed where it is linked. */

#define TRAMP_PA 0x8000
#define T(x)     (TRAMP_PA + (x) - tramp_start)

    .section .rodata
    .balign 16
    .global tramp_start, tramp_end, tramp_data
    .code16
tramp_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl T(tramp_gdtr)
    mov %cr0, %eax
    or $1, %eax                    /* PE */
    mov %eax, %cr0
    ljmpl $0x08, $T(tramp32)

    .code32
tramp32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $(1 << 5), %eax             /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax           /* boot.S's page tables (below 4 GiB) */
    mov %eax, %cr3
    mov $0xC0000080, %ecx          /* EFER: LME, and NXE (the kernel's tables use NX) */
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16)), %eax /* PG, WP */
    mov %eax, %cr0
    ljmp $0x18, $T(tramp64)

    .code64
tramp64:
    mov T(td_cpu), %rdi
    mov T(td_cr3), %rsi
    mov T(td_stack), %rdx
    movabs $ap_entry64, %rax
    jmp *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff       /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff       /* 0x10: data */
    .quad 0x00af9a000000ffff       /* 0x18: 64-bit code */
tramp_gdtr:
    .word tramp_gdtr - tramp_gdt - 1
    .long T(tramp_gdt)

    .balign 8
tramp_data:                        /* struct tramp_data (smp.c) */
td_cr3:      .quad 0               /* the kernel's page tables */
td_stack:    .quad 0               /* top of the AP's idle stack */
td_cpu:      .quad 0               /* its struct cpu */
tramp_end:

/* On the boot page tables, in the higher half: switch to the kernel's page
 * tables (the identity map goes), then to the AP's own stack.
 * rdi = struct cpu *, rsi = kernel CR3, rdx = stack top. */
    .text
ap_entry64:
    mov %rsi, %cr3
    mov %rdx, %rsp
    xor %ebp, %ebp
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    call ap_main
1:  cli
    hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
