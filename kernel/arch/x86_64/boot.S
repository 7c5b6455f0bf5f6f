/* Multiboot (v1) entry. The boot loader (QEMU -kernel or GRUB) jumps to
 * _start32 in 32-bit protected mode with paging off, EAX = multiboot magic,
 * EBX = physical address of the multiboot information.
 *
 * We build temporary page tables that map
 *   - the first 4 GiB identity (so this code keeps running after paging is on),
 *   - the first 4 GiB at PHYS_MAP_BASE (the direct map),
 *   - the first 1 GiB at KERNEL_BASE (the kernel image, -2 GiB),
 * enable long mode and jump to the higher-half kernel. kmain() later replaces
 * these tables by ones with precise permissions. */

#include <asm-offsets.h>

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  ((1 << 0) | (1 << 1) | (1 << 16)) /* align modules, memory map, a.out kludge */

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header          /* header_addr (identity-mapped section: VMA == LMA) */
    .long _load_start_phys   /* load_addr */
    .long _load_end_phys     /* load_end_addr */
    .long _bss_end_phys      /* bss_end_addr */
    .long _start32           /* entry_addr */

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    cld
    mov %eax, %edi               /* multiboot magic -> first argument of kmain */
    mov %ebx, %esi               /* multiboot info  -> second argument */
    mov $boot_stack_top, %esp

    /* Long mode needs CPUID leaf 0x80000001 with the LM bit. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    /* PML4[0] and PML4[256] -> boot_pdpt_low (4 x 1 GiB via 4 page directories);
     * PML4[511] -> boot_pdpt_high, whose entry 510 maps -2 GiB to physical 0. */
    mov $boot_pdpt_low, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov $boot_pdpt_high, %eax
    or $0x3, %eax
    mov %eax, boot_pml4 + 511 * 8

    /* boot_pdpt_low[i] -> boot_pd + i * 4096, i = 0..3 */
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $12, %eax
    add $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt_low(, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jb 1b
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt_high + 510 * 8

    /* 2048 PD entries of 2 MiB pages covering 4 GiB: present, writable, PS. */
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, boot_pd(, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                /* high dword: bits 32+ of the address */
    mov %eax, boot_pd + 4(, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    /* CR4.PAE, CR3, EFER.LME|NXE, CR0.PG|WP */
    mov %cr4, %eax
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16)), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $start64

no_long_mode:
    /* Print a message on COM1 and halt. */
    mov $no_lm_msg, %esi
3:  lodsb
    test %al, %al
    jz 4f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 3b
4:  hlt
    jmp 4b

    .code64
start64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $kernel_boot_stack_top, %rsp
    xor %ebp, %ebp
    movabs $kmain, %rax
    call *%rax
5:  hlt
    jmp 5b

    /* The boot CPU's kernel stack (kmain and the env runner run on it),
     * BOOT_STACK_SIZE (cpu.h) above its guard page, which vm_init leaves
     * unmapped. */
    .section .bss
    .align PAGE_SIZE
    .global kernel_boot_stack_guard
kernel_boot_stack_guard:
    .skip PAGE_SIZE
kernel_boot_stack:
    .skip BOOT_STACK_SIZE
kernel_boot_stack_top:

    .section .boot.data, "aw"
    .align 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff     /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff     /* 0x10: data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
no_lm_msg:
    .asciz "spinel: this CPU has no long mode (x86-64); halting\r\n"

    .section .boot.bss, "aw", @nobits
    .align 4096
    .global boot_pml4 /* the application processors start on these tables too (trampoline.S) */
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
    .skip 4096
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
