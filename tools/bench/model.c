/*
 * tools/bench/model.c - a QEMU (7.2) TCG plugin: a memory-hierarchy cost
 * model for the benchmark's measured regions.  See docs/benchmarks.md,
 * "The cost model", for the model, its sizes and its penalties.
 *
 * Built at bench time against qemu-plugin.h from Debian's qemu source
 * package (tools/bench/plugin-header.sh); no QEMU code is in this file.
 *
 * The guest marks what to count with three multi-byte NOPs that are the
 * same on every platform (bench/bench.c):
 *   nopl 0x53504201(%rax)   start counting (a timed batch begins)
 *   nopl 0x53504202(%rax)   stop counting and write one record
 *   nopl 0x53504203(%rax)   a new row begins (records are numbered per row)
 *   nopl 0x53504204(%rax)   boot point: the first one ends the boot region
 * The boot region runs from the first guest instruction (the firmware's) to
 * the first boot point (Linux: the start of /init, the benchmark; Spinel:
 * the shell's first prompt, or the benchmark's start in a benchmark boot);
 * its instructions only are counted (the caches and TLBs are not modelled
 * there: that would make every boot much slower) and written as one BOOT
 * record.  With bootexit=1 QEMU ends right after it (a boot that would
 * otherwise wait for input).
 * Outside the marked regions the callbacks return at once, so the model's
 * caches and TLBs stay as the last region left them.
 *
 * Model (one vCPU):
 *   L1I, L1D: 32 KiB, 8-way, 64-byte lines, LRU.  L2: 1 MiB, 16-way,
 *   unified, LRU, filled by L1 misses (not inclusive).  Data lines are
 *   named by guest physical address; code lines by the host address of the
 *   guest RAM they come from (QEMU 7.2 gives a plugin no physical address
 *   for an instruction), which is a separate name space.
 *   ITLB 128 entries 8-way, DTLB 64 entries 4-way, shared STLB 1536
 *   entries 12-way, LRU.  Lower-half (user) pages are 4 KiB, upper-half
 *   (kernel) pages are 2 MiB and global: both kernels measured map their
 *   own text and the direct map with 2 MiB global pages.  A write to CR3
 *   drops every non-global entry (TCG has no PCID); a write to CR4 drops
 *   everything.  invlpg's operand is not visible to a 7.2 plugin (it cannot
 *   read registers), so each invlpg is charged as the miss it causes at the
 *   next use of that page: one STLB miss and one page walk, counted at the
 *   invlpg.  A page walk is 4 memory references (3 for a 2 MiB page); no
 *   paging-structure caches are modelled.
 * With prof=FILE profmiss=1 the profile counts L2 misses per instruction
 * instead of instructions (the same format, for tools/bench/profile.py).
 * Halts: each record also counts the hlt instructions run in the region and
 * the host time from each to the next instruction (the wake-up): how often
 * and how long the guest waited for an interrupt, e.g. a disk completion.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_START 0x53504201u
#define MARK_STOP  0x53504202u
#define MARK_ROW   0x53504203u
#define MARK_BOOT  0x53504204u

/* ---- set-associative arrays with LRU replacement ---------------------- */

struct assoc {
    unsigned sets, ways;
    uint64_t *tag;   /* sets * ways; tag+1, 0 = empty */
    uint64_t *stamp; /* last use, for LRU */
    uint8_t *global; /* TLBs: survives a CR3 write */
    uint64_t clock;
};

static void assoc_init(struct assoc *a, unsigned entries, unsigned ways)
{
    a->sets = entries / ways;
    a->ways = ways;
    a->tag = calloc(entries, sizeof(uint64_t));
    a->stamp = calloc(entries, sizeof(uint64_t));
    a->global = calloc(entries, 1);
    a->clock = 0;
    if (a->tag == NULL || a->stamp == NULL || a->global == NULL)
        abort();
}

/* Look key up; on a miss, put it in the least recently used way.  Returns
 * 1 on a hit. */
static int assoc_access(struct assoc *a, uint64_t key, int global)
{
    unsigned set = (unsigned)(key % a->sets);
    uint64_t *t = a->tag + (size_t)set * a->ways;
    uint64_t *s = a->stamp + (size_t)set * a->ways;
    unsigned victim = 0;
    a->clock++;
    for (unsigned w = 0; w < a->ways; w++) {
        if (t[w] == key + 1) {
            s[w] = a->clock;
            return 1;
        }
        if (s[w] < s[victim])
            victim = w;
    }
    t[victim] = key + 1;
    s[victim] = a->clock;
    a->global[(size_t)set * a->ways + victim] = (uint8_t)global;
    return 0;
}

/* Drop every entry (all = 1) or every non-global one. */
static void assoc_flush(struct assoc *a, int all)
{
    size_t n = (size_t)a->sets * a->ways;
    for (size_t i = 0; i < n; i++) {
        if (all || !a->global[i]) {
            a->tag[i] = 0;
            a->stamp[i] = 0;
        }
    }
}

static struct assoc l1i, l1d, l2, itlb, dtlb, stlb;

/* ---- counters ------------------------------------------------------------ */

struct counts {
    uint64_t insns, l1i_miss, l1d_miss, l2_miss, tlb_miss, stlb_miss, walk_refs;
    uint64_t cr3_writes, cr4_writes, invlpgs, io;
    uint64_t halts, halt_ns; /* hlt instructions run; host time until the next instruction */
};

static struct counts cur;
static int counting;
static int booting = 1, boot_exit; /* in the boot region; end QEMU after it */
static uint64_t boot_insns;
static int row = -1, batch;
static FILE *out;
static uint64_t last_iline = ~0ull, last_ipage = ~0ull;

/* Optional profile (prof=FILE): instructions counted per row and per
 * guest virtual address, summed over the row's timed batches (the warm-up
 * batch 0 excluded); tools/bench/profile.sh names the addresses.  The
 * host page of the code tells apart user programs linked at the same
 * addresses (two envs' code lives in different guest frames). */
struct pslot {
    uint64_t key; /* vaddr; 0 = empty */
    uint64_t hpage;
    int row;
    uint64_t n;
};
#define PROF_SLOTS (1u << 20)
static struct pslot *prof;
static FILE *prof_out;

static void prof_add(uint64_t vaddr, uint64_t hline)
{
    uint64_t hpage = hline >> 6;
    uint64_t h = (vaddr * 0x9e3779b97f4a7c15ull) ^ (uint64_t)row * 0x51ed27ull ^ hpage;
    for (uint32_t i = 0; i < PROF_SLOTS; i++) {
        struct pslot *p = &prof[(h + i) & (PROF_SLOTS - 1)];
        if (p->key == 0) {
            p->key = vaddr;
            p->hpage = hpage;
            p->row = row;
        }
        if (p->key == vaddr && p->row == row && p->hpage == hpage) {
            p->n++;
            return;
        }
    }
}

/* Penalties in cycles (docs/benchmarks.md): */
#define P_L2_HIT   12  /* an L1 miss that hits L2 */
#define P_MEM      246 /* an L2 miss: DRAM (L3 not modelled) */
#define P_STLB_HIT 9   /* an L1 TLB miss (the STLB lookup) */
#define P_WALK_REF 12  /* one page-walk reference (page tables in L2) */

static uint64_t cycles(const struct counts *c)
{
    /* every L1 TLB miss looks in the STLB; an STLB miss adds its walk */
    return c->insns + (c->l1i_miss + c->l1d_miss) * P_L2_HIT + c->l2_miss * P_MEM +
           c->tlb_miss * P_STLB_HIT + c->walk_refs * P_WALK_REF;
}

enum kind { K_PLAIN, K_START, K_STOP, K_ROW, K_BOOT, K_CR3, K_CR4, K_INVLPG, K_HLT };

struct insn {
    uint64_t vaddr;
    uint64_t hline; /* host address of the code >> 6 */
    enum kind kind;
};

/* A line that missed in L1: look it up in L2. */
static const struct insn *cur_insn; /* the instruction running (its memory accesses follow) */
static int prof_misses;             /* profmiss=1: the profile counts L2 misses, not instructions */

static void l2_access(uint64_t line)
{
    if (!assoc_access(&l2, line, 0)) {
        cur.l2_miss++;
        if (prof_misses && prof != NULL && batch > 0 && cur_insn != NULL)
            prof_add(cur_insn->vaddr, cur_insn->hline);
    }
}

/* One TLB lookup: l1 is the ITLB or the DTLB. */
static void tlb_access(struct assoc *l1, uint64_t va)
{
    int kernel = (int64_t)va < 0;
    /* 4 KiB user pages, 2 MiB global kernel pages; the size is in a high
     * bit of the key, so that the low bits (the set index) are the page
     * number's. */
    uint64_t key = kernel ? (va >> 21) | 1ull << 60 : (va >> 12) & ((1ull << 52) - 1);
    if (assoc_access(l1, key, kernel))
        return;
    cur.tlb_miss++;
    if (assoc_access(&stlb, key, kernel))
        return;
    cur.stlb_miss++;
    cur.walk_refs += kernel ? 3 : 4;
}

/* ---- callbacks ----------------------------------------------------------- */


static void write_record(void)
{
    if (out == NULL)
        return;
    fprintf(out,
            "MODEL %d %d insns=%llu l1i=%llu l1d=%llu l2=%llu tlb=%llu stlb=%llu walk=%llu "
            "cr3=%llu cr4=%llu invlpg=%llu io=%llu cycles=%llu halts=%llu halt_us=%llu\n",
            row, batch, (unsigned long long)cur.insns, (unsigned long long)cur.l1i_miss,
            (unsigned long long)cur.l1d_miss, (unsigned long long)cur.l2_miss,
            (unsigned long long)cur.tlb_miss, (unsigned long long)cur.stlb_miss,
            (unsigned long long)cur.walk_refs, (unsigned long long)cur.cr3_writes,
            (unsigned long long)cur.cr4_writes, (unsigned long long)cur.invlpgs,
            (unsigned long long)cur.io, (unsigned long long)cycles(&cur),
            (unsigned long long)cur.halts, (unsigned long long)(cur.halt_ns / 1000));
    fflush(out);
}

static void flush_tlbs(int all)
{
    assoc_flush(&itlb, all);
    assoc_flush(&dtlb, all);
    assoc_flush(&stlb, all);
    last_ipage = ~0ull;
}

/* Host time now, for the halts: how long the host kept a halted guest
 * waiting (under -icount sleep=off, the guest's clock meanwhile jumps to
 * its next timer deadline; docs/benchmarks.md, "Storage"). */
static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t halt_start; /* host time of the last counted hlt; 0 = none */

static void insn_exec(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    const struct insn *in = ud;
    boot_insns += (uint64_t)booting;
    if (halt_start) {
        cur.halt_ns += host_ns() - halt_start;
        halt_start = 0;
    }
    switch (in->kind) {
    case K_START:
        memset(&cur, 0, sizeof(cur));
        counting = 1;
        booting = 0;
        return;
    case K_STOP:
        if (counting) {
            counting = 0;
            write_record();
            batch++;
        }
        return;
    case K_BOOT:
        if (booting) {
            booting = 0;
            if (out != NULL) {
                fprintf(out, "BOOT insns=%llu\n", (unsigned long long)boot_insns + 1);
                fflush(out);
            }
            if (boot_exit)
                exit(0); /* QEMU's exit path closes the records (at_exit) */
        }
        return;
    case K_ROW:
        row++;
        batch = 0;
        return;
    default:
        break;
    }
    /* The model's state follows the guest even outside the regions, for
     * flushes: a CR3 write just before a region must still count. */
    if (in->kind == K_CR3 || in->kind == K_CR4) {
        flush_tlbs(in->kind == K_CR4);
        if (in->kind == K_CR3)
            cur.cr3_writes += (uint64_t)counting;
        else
            cur.cr4_writes += (uint64_t)counting;
    }
    if (!counting)
        return;
    cur.insns++;
    cur_insn = in;
    if (prof != NULL && batch > 0 && !prof_misses)
        prof_add(in->vaddr, in->hline);
    if (in->kind == K_HLT) {
        cur.halts++;
        halt_start = host_ns();
    }
    if (in->kind == K_INVLPG) {
        cur.invlpgs++;
        cur.tlb_miss++;
        cur.stlb_miss++;
        cur.walk_refs += 4;
    }
    uint64_t page = in->vaddr >> 12;
    if (page != last_ipage) {
        last_ipage = page;
        tlb_access(&itlb, in->vaddr);
    }
    if (in->hline != last_iline) {
        last_iline = in->hline;
        if (!assoc_access(&l1i, in->hline, 0)) {
            cur.l1i_miss++;
            l2_access(in->hline | 1ull << 62); /* code names: a separate space */
        }
    }
}

static void mem_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
    (void)vcpu;
    (void)ud;
    if (!counting)
        return;
    struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
    if (hw != NULL && qemu_plugin_hwaddr_is_io(hw)) {
        cur.io++; /* device registers: uncached, not modelled */
        return;
    }
    uint64_t pa = hw != NULL ? qemu_plugin_hwaddr_phys_addr(hw) : vaddr;
    tlb_access(&dtlb, vaddr);
    if (!assoc_access(&l1d, pa >> 6, 0)) {
        cur.l1d_miss++;
        l2_access(pa >> 6);
    }
}

/* Classify an instruction from its bytes. */
static enum kind classify(const uint8_t *b, size_t n)
{
    if (n == 7 && b[0] == 0x0f && b[1] == 0x1f && b[2] == 0x80) {
        uint32_t d =
            (uint32_t)b[3] | (uint32_t)b[4] << 8 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 24;
        if (d == MARK_START)
            return K_START;
        if (d == MARK_STOP)
            return K_STOP;
        if (d == MARK_ROW)
            return K_ROW;
        if (d == MARK_BOOT)
            return K_BOOT;
    }
    if (n == 1 && b[0] == 0xf4)
        return K_HLT;
    size_t i = 0;
    /* legacy prefixes and REX */
    while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
                     (b[i] >= 0x40 && b[i] <= 0x4f)))
        i++;
    if (i + 2 < n && b[i] == 0x0f && b[i + 1] == 0x22) { /* mov reg, crN */
        unsigned reg = (b[i + 2] >> 3) & 7;
        if (reg == 3)
            return K_CR3;
        if (reg == 4)
            return K_CR4;
    }
    if (i + 2 < n && b[i] == 0x0f && b[i + 1] == 0x01 && ((b[i + 2] >> 3) & 7) == 7 &&
        (b[i + 2] >> 6) != 3)
        return K_INVLPG;
    return K_PLAIN;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        struct insn *in = malloc(sizeof(*in));
        if (in == NULL)
            abort();
        in->vaddr = qemu_plugin_insn_vaddr(insn);
        in->hline = (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(insn) >> 6;
        in->kind = classify(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
        qemu_plugin_register_vcpu_insn_exec_cb(insn, insn_exec, QEMU_PLUGIN_CB_NO_REGS, in);
        qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, NULL);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    if (out != NULL)
        fclose(out);
    out = NULL;
    if (prof != NULL && prof_out != NULL) {
        for (uint32_t i = 0; i < PROF_SLOTS; i++)
            if (prof[i].key != 0)
                fprintf(prof_out, "%d %llx %llx %llu\n", prof[i].row,
                        (unsigned long long)prof[i].key, (unsigned long long)prof[i].hpage,
                        (unsigned long long)prof[i].n);
        fclose(prof_out);
        prof_out = NULL;
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0)
            path = argv[i] + 4;
        if (strcmp(argv[i], "bootexit=1") == 0)
            boot_exit = 1;
        if (strcmp(argv[i], "profmiss=1") == 0)
            prof_misses = 1;
        if (strncmp(argv[i], "prof=", 5) == 0) {
            prof_out = fopen(argv[i] + 5, "w");
            prof = calloc(PROF_SLOTS, sizeof(*prof));
            if (prof_out == NULL || prof == NULL) {
                perror(argv[i] + 5);
                return 1;
            }
        }
    }
    if (path == NULL) {
        fprintf(stderr, "model: needs out=FILE\n");
        return 1;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        return 1;
    }
    fprintf(out,
            "MODEL-INFO l1i=32K/8 l1d=32K/8 l2=1M/16 line=64 itlb=128/8 dtlb=64/4 "
            "stlb=1536/12 p_l2=%d p_mem=%d p_stlb=%d p_walkref=%d\n",
            P_L2_HIT, P_MEM, P_STLB_HIT, P_WALK_REF);
    assoc_init(&l1i, 32768 / 64, 8);
    assoc_init(&l1d, 32768 / 64, 8);
    assoc_init(&l2, (1 << 20) / 64, 16);
    assoc_init(&itlb, 128, 8);
    assoc_init(&dtlb, 64, 4);
    assoc_init(&stlb, 1536, 12);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
