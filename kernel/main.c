/* Boot: from the multiboot hand-off to the first user program. */
#include "kernel.h"
#include "cpu.h"
#include "pmem.h"
#include "vm.h"
#include "trap.h"
#include "env.h"
#include "initrd.h"
#include "uaccess.h"
#include "ktest.h"
#include "ext.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/smp.h"
#include "notify.h"
#include "dev/pci.h"
#include "dev/virtio_blk.h"
#include "net.h"
#include "dev/virtio_net.h"

#define MB_BOOT_MAGIC 0x2BADB002

struct mb_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
} __packed;

struct mb_mmap {
    u32 size;
    u64 addr, len;
    u32 type;
} __packed;

struct mb_module {
    u32 start, end, string, reserved;
};

struct cpu cpus[MAX_CPUS];
int ncpu = 1;
bool boot_test_mode;
static char cmdline[256];
extern char _text[], _kernel_end[];
extern u32 _load_start_phys[];

void cpu_init_bsp(void)
{
    struct cpu *c = &cpus[0];
    c->self = c;
    c->id = 0;
    wrmsr(MSR_GS_BASE, (u64)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Control-register features: write protection in ring 0, SSE for user code,
 * global pages, and SMEP/SMAP/UMIP and machine-check exceptions when the CPU
 * has them. */
void cpu_features(bool report)
{
    u32 a, b, c, d;
    write_cr0((read_cr0() | CR0_WP | CR0_MP) & ~(CR0_EM | CR0_TS));
    u64 cr4 = read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    cpuid(7, 0, &a, &b, &c, &d);
    if (b & (1 << 7))
        cr4 |= CR4_SMEP;
    if (b & (1 << 20)) {
        cr4 |= CR4_SMAP;
        cpu_has_smap = true;
    }
    if (c & (1 << 2))
        cr4 |= CR4_UMIP;
    cpuid(1, 0, &a, &b, &c, &d);
    if (d & (1 << 7)) /* machine checks raise #MC (a panic) instead of shutting the CPU down */
        cr4 |= CR4_MCE;
    if (c & (1 << 17)) {
        cr4 |= CR4_PCIDE;
        cpu_has_pcid = true;
    }
    write_cr4(cr4);
    if (report)
        kprintf("cpu: SMEP %s, SMAP %s, UMIP %s, PCID %s\n", cr4 & CR4_SMEP ? "on" : "off",
                cr4 & CR4_SMAP ? "on" : "off", cr4 & CR4_UMIP ? "on" : "off",
                cr4 & CR4_PCIDE ? "on" : "off");
}

static bool cmdline_has(const char *word)
{
    size_t n = strlen(word);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && memcmp(p, word, n) == 0)
            return true;
        p = e;
    }
    return false;
}

/* The number after "key=" (key given with its '=') on the command line, or 0. */
static u64 cmdline_num(const char *key)
{
    size_t n = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && strncmp(p, key, n) == 0) {
            u64 v = 0;
            for (p += n; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (u64)(*p - '0');
            return v;
        }
    }
    return 0;
}

/* Copies the word after "key=" on the command line to buf; false if absent. */
static bool cmdline_word(const char *key, char *buf, size_t len)
{
    size_t n = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && strncmp(p, key, n) == 0) {
            size_t k = 0;
            for (p += n; *p && *p != ' ' && k + 1 < len; p++)
                buf[k++] = *p;
            buf[k] = 0;
            return k > 0;
        }
    }
    return false;
}

/* Runs the first program (init, or bench) until it ends, then powers off. */
static void run_init(const char *name)
{
    struct initrd_file f;
    if (!initrd_find(name, &f))
        panic("no %s in the boot image", name);
    struct env *e;
    /* init owns the machine's memory (less an eighth the kernel keeps for
     * its own structures), and so does the scalability benchmark (its Unix
     * rows start a Unix library OS per CPU); the benchmark runs with a
     * test's quota. */
    u64 quota = strcmp(name, "init") == 0 || strcmp(name, "bench_smp") == 0
                    ? pmem_free_frames() / 8 * 7
                    : ROOT_QUOTA;
    int r = run_env(name, f.data, f.size, quota, 0, &e);
    if (r < 0)
        panic("cannot start %s: error %d", name, r);
    kprintf("%s stopped: %s\n", name, e->why);
    env_free(e);
    machine_exit(0);
}

/* Faults in kernel mode on purpose, so that the test harness can check the
 * panic report: registers and a symbolized backtrace naming this function. */
static __attribute__((noinline)) void panic_selftest(void)
{
    kprintf("panic-test: dereferencing a bad kernel pointer\n");
    *(volatile u64 *)0xffff8fff00000000UL = 1;
}

/* Overflows the kernel stack on purpose, so that the test harness can check
 * that the guard page turns it into a clear panic ("kernel stack overflow"
 * and a backtrace naming this function) instead of silent corruption. */
static volatile u64 overflow_depth_limit = ~0UL;
static __attribute__((noinline)) u64 stack_overflow_selftest(u64 depth)
{
    volatile u8 pad[512];
    pad[depth % sizeof pad] = (u8)depth;
    if (depth == 0)
        kprintf("stack-overflow-test: recursing until the kernel stack overflows\n");
    if (depth >= overflow_depth_limit)
        return 0;
    return stack_overflow_selftest(depth + 1) + pad[depth % sizeof pad];
}

void kmain(u32 magic, u32 mbi_pa)
{
    cpu_init_bsp();
    console_init();
    kprintf("\nSpinel exokernel booting\n");
    if (magic != MB_BOOT_MAGIC)
        panic("not started by a multiboot loader (magic %x)", magic);

    /* Copy what we need out of the multiboot information before any frame is
     * allocated (the allocator may reuse the memory it lives in). */
    const struct mb_info *mbi = P2V(mbi_pa);
    if (mbi->flags & (1 << 2))
        strlcpy(cmdline, P2V(mbi->cmdline), sizeof cmdline);
    boot_test_mode = cmdline_has("test");

    struct mem_range usable[32], reserved[8];
    int nusable = 0, nreserved = 0;
    if (!(mbi->flags & (1 << 6)))
        panic("boot loader gave no memory map");
    for (u64 off = 0; off + sizeof(struct mb_mmap) <= mbi->mmap_length && nusable < 32;) {
        const struct mb_mmap *m = P2V(mbi->mmap_addr + off);
        if (m->type == 1)
            usable[nusable++] = (struct mem_range){m->addr, m->addr + m->len};
        off += m->size + 4;
    }
    reserved[nreserved++] = (struct mem_range){0, 0x100000};
    reserved[nreserved++] = (struct mem_range){(u64)_load_start_phys, V2P(_kernel_end)};
    const void *initrd = NULL;
    size_t initrd_size = 0;
    if ((mbi->flags & (1 << 3)) && mbi->mods_count > 0) {
        const struct mb_module *mods = P2V(mbi->mods_addr);
        for (u32 i = 0; i < mbi->mods_count && nreserved < 8; i++)
            reserved[nreserved++] =
                (struct mem_range){mods[i].start, ROUNDUP(mods[i].end, PAGE_SIZE)};
        initrd = P2V(mods[0].start);
        initrd_size = mods[0].end - mods[0].start;
    }

    pmem_init(usable, nusable, reserved, nreserved);
    kprintf("memory: %lu MiB free in %lu frames\n", pmem_free_frames() * PAGE_SIZE >> 20,
            pmem_free_frames());
    vm_init();
    gdt_init(&cpus[0]);
    idt_init();
    cpu_features(true);
    lapic_init();
    cpus[0].apic_id = lapic_id();
    kprintf("timer: %u Hz, lapic %u counts/tick, tsc %lu kHz\n", TIMER_HZ, lapic_ticks_per_period,
            tsc_per_ms);
    dev_init();
    pci_init();
    blk_init(cmdline_has("blkintx")); /* (legacy INTx through the I/O APIC, for its test) */
    char word[24];
    if (cmdline_word("blkcrash=", word, sizeof word)) /* crash points for file-system tests */
        blk_crash_after(cmdline_num("blkcrash="));
    ext_init();
    net_init();
    virtio_net_init();
    /* The other CPUs (idle) only now, after the PCI scan and the devices'
     * set-up: every change to a PCI command register or BAR changes QEMU's
     * memory map, and QEMU 7.2's multi-threaded TCG (tcg_commit) gives the
     * other vCPUs the new map before their TLBs are flushed, so a vCPU
     * that then touched its local APIC found a stale section index and
     * QEMU died of SIGSEGV (docs/design.md, "Multiprocessor"). */
    struct acpi_madt_info madt;
    smp_init(acpi_init(&madt) ? &madt : NULL);
    initrd_init(initrd, initrd_size);
    if (!initrd)
        panic("no boot image (initrd module)");

    if (cmdline_has("panic-test"))
        panic_selftest();
    if (cmdline_has("stack-overflow-test"))
        stack_overflow_selftest(0);
    if (cmdline_has("mce-test")) {
        /* The test harness injects a machine check (QEMU monitor) while a
         * user program spins: it must end in a panic, not an upcall. */
        struct initrd_file f;
        struct env *e;
        if (!initrd_find("t_spin", &f))
            panic("mce-test: no t_spin in the boot image");
        kprintf("mce-test: ready\n");
        run_env("t_spin", f.data, f.size, ROOT_QUOTA, 60, &e);
        panic("mce-test: no machine check arrived");
    }
    if (boot_test_mode)
        ktest_run();
    /* init=NAME: another first program (tests that boot twice on one disk). */
    char first[32];
    if (cmdline_word("init=", first, sizeof first))
        run_init(first);
    run_init(cmdline_has("bench") ? "bench" : "init");
}
