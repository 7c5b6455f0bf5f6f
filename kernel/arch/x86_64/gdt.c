/* Per-CPU GDT and TSS, and the MSRs for syscall/sysret.
 *
 * Layout (syscall loads CS=STAR[47:32], SS=+8; sysret loads CS=STAR[63:48]+16,
 * SS=STAR[63:48]+8):
 *   0x00 null  0x08 kernel code  0x10 kernel data  0x18 (unused 32-bit user code)
 *   0x20 user data  0x28 user code (64-bit)  0x30 TSS (two slots) */
#include "../../kernel.h"
#include "../../cpu.h"
#include "x86.h"

/* Every kernel stack is preceded by its guard page (left unmapped by
 * vm_init): page-aligned, and the sizes are page multiples, so each guard
 * starts a page. */
static struct {
    u8 guard[PAGE_SIZE];
    u8 stack[IST_STACK_SIZE];
} ist_stacks[MAX_CPUS][3] __aligned(PAGE_SIZE);
static struct {
    u8 guard[PAGE_SIZE];
    u8 stack[KSTACK_SIZE];
} kstacks[MAX_CPUS] __aligned(PAGE_SIZE);
static struct {
    u8 guard[PAGE_SIZE];
    u8 stack[IDLE_STACK_SIZE];
} idle_stacks[MAX_CPUS] __aligned(PAGE_SIZE); /* [0] unused: the boot CPU has boot.S's */
extern u8 kernel_boot_stack_guard[];          /* boot.S: a page, then the boot stack */
STATIC_ASSERT(KSTACK_SIZE % PAGE_SIZE == 0 && IST_STACK_SIZE % PAGE_SIZE == 0 &&
              IDLE_STACK_SIZE % PAGE_SIZE == 0);

u64 cpu_idle_stack_top(int id)
{
    return (u64)&idle_stacks[id].stack[IDLE_STACK_SIZE];
}

static bool in_page(u64 va, const void *page)
{
    return va >= (u64)page && va < (u64)page + PAGE_SIZE;
}

const char *kstack_guard_name(u64 va)
{
    static const char *const ist_names[3] = {"double-fault stack", "NMI stack",
                                             "machine-check stack"};
    static char name[48];
    if (in_page(va, kernel_boot_stack_guard))
        return "boot stack";
    for (int c = 0; c < MAX_CPUS; c++) {
        if (in_page(va, kstacks[c].guard)) {
            ksnprintf(name, sizeof name, "cpu %d kernel stack", c);
            return name;
        }
        if (c > 0 && in_page(va, idle_stacks[c].guard)) {
            ksnprintf(name, sizeof name, "cpu %d idle stack", c);
            return name;
        }
        for (int i = 0; i < 3; i++)
            if (in_page(va, ist_stacks[c][i].guard)) {
                ksnprintf(name, sizeof name, "cpu %d %s", c, ist_names[i]);
                return name;
            }
    }
    return NULL;
}

u64 syscall_native_entry(void); /* upcall.c */

void gdt_init(struct cpu *c)
{
    c->gdt[0] = 0;
    c->gdt[1] = 0x00af9a000000ffffUL; /* kernel code: L, P, DPL0, exec/read */
    c->gdt[2] = 0x00cf92000000ffffUL; /* kernel data */
    c->gdt[3] = 0;
    c->gdt[4] = 0x00cff2000000ffffUL; /* user data, DPL3 */
    c->gdt[5] = 0x00affa000000ffffUL; /* user code, DPL3, L */
    u64 base = (u64)&c->tss, limit = sizeof(c->tss) - 1;
    c->gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    c->gdt[7] = base >> 32;

    memset(&c->tss, 0, sizeof c->tss);
    c->tss.iomap_base = sizeof c->tss; /* no I/O permission bitmap: user port I/O faults */
    c->kstack_top = (u64)&kstacks[c->id].stack[KSTACK_SIZE];
    c->tss.rsp[0] = c->kstack_top; /* until an env runs: then its frame (cpu_set_env) */
    c->utf_top = c->kstack_top;
    for (int i = 0; i < 3; i++) /* IST1 #DF, IST2 NMI, IST3 #MC */
        c->tss.ist[i] = (u64)&ist_stacks[c->id][i].stack[IST_STACK_SIZE];

    struct {
        u16 limit;
        u64 base;
    } __packed gdtr = {sizeof c->gdt - 1, (u64)c->gdt};
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1:\n"
                     "mov %2, %%ax\n"
                     "mov %%ax, %%ds\n"
                     "mov %%ax, %%es\n"
                     "mov %%ax, %%ss\n"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA)
                     : "rax", "memory");
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));

    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
    wrmsr(MSR_STAR, ((u64)(0x18 | 3) << 48) | ((u64)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, syscall_native_entry());
    wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL);
}
