/* The trap frame: what every entry into the kernel (exception, interrupt,
 * kernel call) saves on the kernel stack, lowest address first. entry.S
 * builds it; the offsets there must match. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "types.h"

struct trapframe {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU (or by syscall_entry) */
};
STATIC_ASSERT(sizeof(struct trapframe) == 22 * 8);

#define T_DE  0 /* divide error */
#define T_DB  1
#define T_NMI 2
#define T_BP  3
#define T_OF  4
#define T_BR  5
#define T_UD  6 /* invalid opcode */
#define T_NM  7
#define T_DF  8 /* double fault */
#define T_TS  10
#define T_NP  11
#define T_SS  12
#define T_GP  13 /* general protection */
#define T_PF  14 /* page fault */
#define T_MF  16
#define T_AC  17
#define T_MC  18
#define T_XM  19
#define T_VE  20
#define T_CP  21

/* The timer's vector is in priority class 13, above the devices': a CPU
 * that waits for the kernel lock (klock.c) holds devices back but still
 * takes its ticks. */
#define T_TIMER    0xd0
#define T_IRQ_COM1 36 /* ISA IRQ 4, the console's UART, through the I/O APIC */
/* Vectors of PCI devices' MSI-X messages (kernel/dev/pci.c hands them out). */
#define T_IRQ_DEV_FIRST 48
#define T_IRQ_DEV_COUNT 16
/* Interprocessor: a CPU is asked to come into the kernel (klock.c: an env it
 * runs was torn down, or an env woke for its idle slot vector). Priority
 * class 14, below the calls' (15): a CPU that waits for the kernel lock
 * while it serves one still takes cross-CPU calls. */
#define T_IPI_KICK 0xe0
#define T_IPI_PING 0xf0 /* interprocessor: the receiver counts it (smp.c) */
#define T_IPI_CALL 0xf1 /* interprocessor: run the posted call (smp_call_each) */
#define T_IPI_WAKE                                                                                 \
    0xf2 /* interprocessor: the kernel lock passed to a CPU halted for it (klock.c) */
#define T_SPURIOUS 255
#define T_SYSCALL  0x100 /* not a vector: marks frames built by syscall_entry */

/* Page-fault error code bits. */
#define PF_P    (1 << 0)
#define PF_W    (1 << 1)
#define PF_U    (1 << 2)
#define PF_RSVD (1 << 3)
#define PF_I    (1 << 4)

void idt_init(void);
void trap(struct trapframe *tf);
void syscall_dispatch(struct trapframe *tf);
void return_to_user(void) __noreturn; /* entry.S: resume this CPU's env from its frame */
const char *trap_name(u64 vector);
/* The machine's own events (entry.S, IST stacks). */
void nmi_trap(struct trapframe *tf);
void double_fault(struct trapframe *tf) __noreturn;
void machine_check(struct trapframe *tf) __noreturn;
extern u64 trap_ac_entries; /* handlers entered with RFLAGS.AC set (SMAP off): must stay 0 */
extern volatile u64 nmi_count, nmi_user; /* NMIs taken, and those from user mode */
extern bool nmi_quiet;
extern bool smap_probe; /* the SMAP test (see trap.c) */
extern u64 smap_probe_faulted, smap_probe_read;
/* its probes: faulted, or read (SMAP off) */ /* set by a test that sends NMIs: do not log them
                                               */
bool trap_from_user(const struct trapframe *tf);

/* Exception table: an instruction that may fault on a user address, and where
 * to continue if it does (uaccess.S). */
struct ex_entry {
    u64 insn, fixup;
};

#endif
