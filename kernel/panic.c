/* Panic: print the reason, the registers (when a trap frame is at hand) and a
 * symbolized backtrace, then stop the machine (test runs end with a failure
 * exit status). Symbols come from the .ksyms section that the build fills in
 * with a second link (tools/mkksyms.sh). */
#include "kernel.h"
#include "trap.h"
#include "cpu.h"
#include "arch/x86_64/x86.h"

struct ksym {
    u64 addr;
    u64 name; /* offset into the string table */
};

/* Layout of .ksyms: u64 count; struct ksym[count] sorted by addr; strings. */
extern const u64 ksyms_blob[] __attribute__((weak));
extern char _text[], _etext[];
static volatile int panicking;

const char *ksym_lookup(u64 addr, u64 *offset)
{
    if (!ksyms_blob || addr < (u64)_text || addr >= (u64)_etext)
        return NULL;
    u64 n = ksyms_blob[0];
    const struct ksym *s = (const struct ksym *)&ksyms_blob[1];
    const char *strtab = (const char *)&s[n];
    u64 lo = 0, hi = n;
    while (lo < hi) { /* last symbol with addr <= target */
        u64 mid = (lo + hi) / 2;
        if (s[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    *offset = addr - s[lo - 1].addr;
    return strtab + s[lo - 1].name;
}

static void print_addr(u64 addr)
{
    u64 off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        kprintf("  %lx  %s+0x%lx\n", addr, name, off);
    else
        kprintf("  %lx  ?\n", addr);
}

/* Walks the frame-pointer chain (the kernel is built with frame pointers). */
void backtrace_from(u64 rbp, u64 rip)
{
    kprintf("backtrace:\n");
    print_addr(rip);
    for (int depth = 0; depth < 32 && rbp >= KERNEL_BASE && (rbp & 7) == 0; depth++) {
        u64 *frame = (u64 *)rbp;
        u64 ret = frame[1];
        if (ret < (u64)_text || ret >= (u64)_etext)
            break;
        print_addr(ret - 1); /* the call instruction, not the one after */
        rbp = frame[0];
    }
}

/* Status 2 tells the test harness that the kernel panicked. */
static __noreturn void stop_machine(void)
{
    machine_exit(2);
}

void panic(const char *fmt, ...)
{
    cli();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        for (;;)
            hlt();
    va_list ap;
    va_start(ap, fmt);
    kprintf("\nKERNEL PANIC on cpu %d: ", cpu()->id);
    vkprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace_from((u64)__builtin_frame_address(0), (u64) && here);
here:
    stop_machine();
}

void panic_trap(struct trapframe *tf, const char *why)
{
    cli();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        for (;;)
            hlt();
    kprintf("\nKERNEL PANIC on cpu %d: %s in %s mode (vector %lu, error %lx)\n", cpu()->id, why,
            (tf->cs & 3) ? "user" : "kernel", tf->vector, tf->error);
    kprintf("  rip %016lx  cs %04lx  rflags %016lx\n", tf->rip, tf->cs, tf->rflags);
    kprintf("  rsp %016lx  ss %04lx  cr2 %016lx  cr3 %016lx\n", tf->rsp, tf->ss, read_cr2(),
            read_cr3());
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx\n", tf->rax, tf->rbx, tf->rcx);
    kprintf("  rdx %016lx  rsi %016lx  rdi %016lx\n", tf->rdx, tf->rsi, tf->rdi);
    kprintf("  rbp %016lx  r8  %016lx  r9  %016lx\n", tf->rbp, tf->r8, tf->r9);
    kprintf("  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r10, tf->r11, tf->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", tf->r13, tf->r14, tf->r15);
    backtrace_from(tf->rbp, tf->rip);
    stop_machine();
}

void machine_exit(int status)
{
    /* isa-debug-exit: QEMU exits with (value << 1) | 1. */
    outb(0xf4, (u8)status);
    kprintf("machine_exit(%d): no isa-debug-exit device; halting\n", status);
    cli();
    for (;;)
        hlt();
}
