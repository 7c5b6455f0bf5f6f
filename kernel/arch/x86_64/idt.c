/* The interrupt descriptor table: every vector goes to its stub in entry.S.
 * All gates but #BP and #OF have DPL 0, so `int n` from user mode raises #GP
 * instead of entering the kernel. NMI, #DF and #MC have entries of their own
 * (entry.S) and run on their own (IST) stacks. */
#include "../../kernel.h"
#include "../../trap.h"
#include "x86.h"
#include <spinel/exo.h>

struct idt_gate {
    u16 off_lo, sel;
    u8 ist, type;
    u16 off_mid;
    u32 off_hi, zero;
} __packed;

static struct idt_gate idt[256] __aligned(16);
extern char vector_table_start[];
extern char nmi_entry[], df_entry[], mc_entry[]; /* entry.S: the machine's own events */
extern char kcall_gate_entry[];                  /* entry.S: kernel calls by `int` */

static void set_gate(int v, u64 addr, int ist, int dpl)
{
    idt[v] = (struct idt_gate){
        .off_lo = addr & 0xffff,
        .sel = SEL_KCODE,
        .ist = ist,
        .type = (u8)(0x8E | dpl << 5), /* present, 64-bit interrupt gate (IF cleared) */
        .off_mid = (addr >> 16) & 0xffff,
        .off_hi = addr >> 32,
    };
}

void idt_init(void)
{
    static bool built;
    if (!built) {
        for (int v = 0; v < 256; v++)
            set_gate(v, (u64)vector_table_start + 16 * v, 0, 0);
        /* Never an env's fault: their own entries, on their own stacks
         * (IST, so that they never run on an overflowed or user-chosen stack). */
        set_gate(T_DF, (u64)df_entry, 1, 0);
        set_gate(T_NMI, (u64)nmi_entry, 2, 0);
        set_gate(T_MC, (u64)mc_entry, 3, 0);
        /* int3 and into may be used by user code (debuggers, checks). */
        set_gate(T_BP, (u64)vector_table_start + 16 * T_BP, 0, 3);
        set_gate(T_OF, (u64)vector_table_start + 16 * T_OF, 0, 3);
        /* Kernel calls of foreign-ABI envs, whose `syscall` is reflected
         * (upcall.c). `int 0x80` stays DPL 0: #GP, a fault of the env. */
        set_gate(KCALL_GATE_VECTOR, (u64)kcall_gate_entry, 0, 3);
        built = true;
    }
    struct {
        u16 limit;
        u64 base;
    } __packed idtr = {sizeof idt - 1, (u64)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
}
