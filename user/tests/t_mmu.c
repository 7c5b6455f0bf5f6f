/* sys_mmu_update and sys_frame_alloc under hostile use: bad counts and
 * pointers, addresses outside user space, batches that must be rejected as
 * a whole, rights, double mappings, the read-only page-table window, the
 * accessed/dirty bits, physical frame numbers, frame accounting,
 * sys_frame_copy, sys_mmu_op (a batch of one in registers: the same answers
 * as sys_mmu_update's), sys_frame_map (a zeroed frame, mapped), 2 MiB
 * blocks mapped whole at a 2 MiB boundary (one 2 MiB page) and MMU_REMAP
 * (a mapping replaced in one step). */
#include "../../lib/exo/exo.h"
#include "check.h"

#define R1 0x0000300000000000UL /* scratch pages */
#define R2 0x0000310000000000UL /* the 64-page batch */
#define R3 0x0000320000000000UL /* the 200-page batch */
#define R4 0x0000330000000000UL /* a fresh region: page-table accounting */
#define R5 0x0000340000000000UL /* exo_pte at PDPT index 5 */
#define R6 0x0000350000000000UL /* 2 MiB blocks mapped as 2 MiB pages */
#define PG 4096UL

static struct cap_info ci;
static struct mmu_op ops[MMU_BATCH_MAX];

static long insp(uint32_t slot)
{
    memset(&ci, 0xee, sizeof ci);
    return sys_cap_inspect(slot, &ci);
}

static long free_frames(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0)
        return -1;
    return (long)si.free_frames;
}

static uint32_t frame(void)
{
    long f = sys_frame_alloc(-1);
    CHECK_EQ(f > 0, 1);
    return f > 0 ? (uint32_t)f : 0;
}

static uint64_t pfn_of(uint32_t cap)
{
    CHECK_EQ(insp(cap), 0);
    return ci.object;
}

static void set_op(int i, uint64_t va, uint32_t cap, uint32_t op)
{
    ops[i].va = va;
    ops[i].cap = cap;
    ops[i].op = op;
}

/* A store that may fault: returns 1 if it did (the handler skips it). */
long probe_store(uint64_t addr, uint64_t val);
extern char probe_store_insn[], probe_store_end[];
__asm__(".text\n"
        ".global probe_store, probe_store_insn, probe_store_end\n"
        "probe_store:\n"
        "    xor %eax, %eax\n"
        "probe_store_insn:\n"
        "    movq %rsi, (%rdi)\n"
        "probe_store_end:\n"
        "    ret\n");

static volatile int nfaults;
static volatile uint64_t fault_addr, fault_err;
/* For the read-only copy test: unmap ro, map rw writable in its place. */
static volatile uint32_t swap_ro, swap_rw;
static volatile uint64_t swap_va;

static void on_pf(struct upcall_frame *f)
{
    nfaults++;
    fault_addr = f->addr;
    fault_err = f->error;
    if (f->rip == (uint64_t)probe_store_insn) {
        f->rax = 1;
        f->rip = (uint64_t)probe_store_end;
        return;
    }
    if (swap_ro && (f->addr & ~(PG - 1)) == swap_va) {
        if (exo_unmap(CAP_SELF, swap_ro) != 1 || exo_map(CAP_SELF, swap_rw, swap_va, MMU_W) != 1)
            sys_exit(101);
        swap_ro = 0;
        return;
    }
    printf("t_mmu: unexpected page fault at %lx, rip %lx\n", f->addr, f->rip);
    sys_exit(100);
}

/* Counts, op pointers, and the env argument. */
static void bad_args(uint32_t a)
{
    set_op(0, R1, a, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 0), -E_INVAL);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, MMU_BATCH_MAX + 1), -E_INVAL);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1UL << 60), -E_INVAL); /* count * 16 overflows */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, ~0UL), -E_INVAL);
    CHECK_EQ(sys_mmu_update(CAP_SELF, NULL, 1), -E_FAULT);
    CHECK_EQ(sys_mmu_update(CAP_SELF, (const struct mmu_op *)KERNEL_TEXT, 1), -E_FAULT);
    CHECK_EQ(sys_mmu_update(CAP_SELF, (const struct mmu_op *)PHYS_MAP_BASE, 1), -E_FAULT);
    CHECK_EQ(sys_mmu_update(CAP_SELF, (const struct mmu_op *)0x0000700000000000UL, 1), -E_FAULT);
    CHECK_EQ(sys_mmu_update(CAP_SELF, (const struct mmu_op *)~0xfUL, 1), -E_FAULT);
    /* A batch that starts in mapped memory and runs off its end. */
    uint32_t s = frame();
    CHECK_EQ(exo_map(CAP_SELF, s, R1 + 16 * PG, MMU_W), 1);
    struct mmu_op *edge = (struct mmu_op *)(R1 + 17 * PG) - 1;
    edge->va = R1;
    edge->cap = a;
    edge->op = MMU_MAP;
    CHECK_EQ(sys_mmu_update(CAP_SELF, edge, 2), -E_FAULT);
    CHECK_EQ(exo_pte(R1), 0);
    CHECK_EQ(sys_mmu_update(CAP_SELF, edge, 1), 1); /* the part that is there is fine */
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    CHECK_EQ(exo_unmap(CAP_SELF, s), 1);
    CHECK_EQ(sys_cap_delete(s), 0);
    /* The env argument. */
    CHECK_EQ(sys_mmu_update(NCAPSLOTS, ops, 1), -E_INVAL);
    CHECK_EQ(exo_syscall6(SYS_mmu_update, (long)(1UL << 32), (long)ops, 1, 0, 0, 0), -E_INVAL);
    CHECK_EQ(sys_mmu_update(255, ops, 1), -E_NOENT);
    CHECK_EQ(sys_mmu_update(a, ops, 1), -E_PERM); /* a frame is not an env */
    long child = sys_env_create(16);
    long callonly = sys_cap_derive((uint32_t)child, R_CALL | R_GRANT, CAP_SELF);
    CHECK_EQ(child > 0 && callonly > 0, 1);
    CHECK_EQ(sys_mmu_update((uint32_t)callonly, ops, 1), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_mmu_update((uint32_t)callonly, ops, 1), -E_NOENT); /* gone with the env */
    CHECK_EQ(insp(a), 0);
    CHECK_EQ(ci.mapped_va, 0);
}

/* Addresses a MAP may not name. */
static void bad_vas(uint32_t a)
{
    static const uint64_t bad[] = {
        R1 + 8,
        R1 + PG - 1,
        0,
        PG,
        USER_MIN - PG,
        USER_MIN + 1,
        ENV_INFO_VA, /* the information page */
        USER_MAP_TOP,
        USER_MAP_TOP + PG,
        PT_WINDOW_BASE + (255UL << 30),
        USER_TOP - PG,
        USER_TOP,
        0x0000800000000000UL,
        0x00ff000000000000UL, /* non-canonical */
        PHYS_MAP_BASE,
        KERNEL_BASE,
        KERNEL_TEXT,
        ~0UL & ~(PG - 1),
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long r = exo_map(CAP_SELF, a, bad[i], 0);
        if (r != -E_INVAL) {
            printf("  check failed: map at %lx = %ld, expected -E_INVAL\n", bad[i], r);
            check_failures++;
            if (r == 1)
                exo_unmap(CAP_SELF, a);
        }
    }
    /* Occupied: our own text and stack. */
    uint64_t text = (uint64_t)bad_vas & ~(PG - 1);
    uint64_t stack = (uint64_t)&text & ~(PG - 1);
    uint64_t text_pte = exo_pte(text);
    CHECK_EQ(exo_map(CAP_SELF, a, text, 0), -E_INVAL);
    CHECK_EQ(exo_map(CAP_SELF, a, stack, MMU_W), -E_INVAL);
    CHECK_EQ(exo_pte(text), text_pte);
    CHECK_EQ(insp(a), 0);
    CHECK_EQ(ci.mapped_va, 0);
    /* The last page below the information page is fine. */
    CHECK_EQ(exo_map(CAP_SELF, a, ENV_INFO_VA - PG, MMU_W), 1);
    *(volatile uint64_t *)(ENV_INFO_VA - PG) = 1;
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    CHECK_EQ(exo_pte(ENV_INFO_VA - PG), 0);
}

/* A batch with one bad operation applies nothing. */
/* MMU_COPY: a copy of our capability put in a table and mapped there. */
static void copies(void)
{
    const uint64_t V = R1 + 40 * PG, W = R1 + 41 * PG;
    uint32_t f = frame();
    CHECK_EQ(exo_map(CAP_SELF, f, V, MMU_W), 1);
    *(volatile uint64_t *)V = 0x5eed;
    /* Into our own table: the same frame at a second address. */
    set_op(0, W, f, MMU_COPY);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1), 1);
    CHECK_EQ(*(volatile uint64_t *)W, 0x5eed);
    CHECK_EQ(exo_pte(W) & 0x000ffffffffff000UL, exo_pte(V) & 0x000ffffffffff000UL);
    CHECK_EQ(exo_pte(W) & PTE_W, 0); /* read-only: not asked for */
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.children, 1);
    /* Into a child's table, writable; its rights are what the mapping needs. */
    long child = sys_env_create(64);
    CHECK_EQ(child > 0, 1);
    set_op(0, V, f, MMU_COPY | MMU_W);
    CHECK_EQ(sys_mmu_update((uint32_t)child, ops, 1), 1);
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.children, 2);
    /* Bad: at a used address, W without R_WRITE, no R_GRANT for another
     * env, too deep; none of them applies anything. */
    CHECK_EQ(sys_mmu_update((uint32_t)child, ops, 1), -E_INVAL); /* V is mapped there now */
    long ro = sys_cap_derive(f, R_READ | R_GRANT, CAP_SELF);
    set_op(0, R1 + 42 * PG, (uint32_t)ro, MMU_COPY | MMU_W);
    CHECK_EQ(sys_mmu_update((uint32_t)child, ops, 1), -E_PERM);
    long nogrant = sys_cap_derive(f, R_READ, CAP_SELF);
    set_op(0, R1 + 42 * PG, (uint32_t)nogrant, MMU_COPY);
    CHECK_EQ(sys_mmu_update((uint32_t)child, ops, 1), -E_PERM);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1), 1); /* our own table needs no R_GRANT */
    uint32_t deep = (uint32_t)ro;
    for (int d = 2; d <= CAP_MAX_DEPTH; d++)
        deep = (uint32_t)sys_cap_derive(deep, R_READ | R_GRANT, CAP_SELF);
    CHECK_EQ(insp(deep), 0);
    CHECK_EQ(ci.depth, CAP_MAX_DEPTH);
    set_op(0, R1 + 43 * PG, deep, MMU_COPY);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1), -E_NOMEM);
    CHECK_EQ(exo_pte(R1 + 43 * PG), 0);
    /* Deleting the original takes every copy and its mappings. */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete(f), 0);
    CHECK_EQ(exo_pte(V), 0);
    CHECK_EQ(exo_pte(W), 0);
    CHECK_EQ(exo_pte(R1 + 42 * PG), 0);
}

static void batches(uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t X = R1, Y = R1 + PG, Z = R1 + 2 * PG;
    set_op(0, X, a, MMU_MAP | MMU_W);
    set_op(1, Y, b, MMU_MAP);
    set_op(2, X, c, MMU_MAP); /* same va as op 0 */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    set_op(2, Z, a, MMU_MAP); /* same cap as op 0 */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    set_op(2, 0, a, MMU_UNMAP); /* same cap, other op */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    set_op(2, Z, 255, MMU_MAP); /* empty slot last */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_NOENT);
    set_op(2, Z, c, MMU_MAP | MMU_W | 0x800); /* unknown flag */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    set_op(2, Z + 1, c, MMU_MAP); /* unaligned last */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    set_op(2, 0, c, MMU_UNMAP); /* c is not mapped */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    CHECK_EQ(exo_pte(X), 0);
    CHECK_EQ(exo_pte(Y), 0);
    CHECK_EQ(exo_pte(Z), 0);
    uint32_t abc[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(insp(abc[i]), 0);
        CHECK_EQ(ci.mapped_va, 0);
    }
    /* Unknown opcodes. */
    static const uint32_t badop[] = {
        0, 5, 0xff, MMU_COPY | MMU_TCAP, MMU_MAP | 0x800, MMU_MAP | 0x80000000u, MMU_W, MMU_X};
    for (unsigned i = 0; i < sizeof badop / sizeof badop[0]; i++) {
        set_op(0, X, a, badop[i]);
        CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1), -E_INVAL);
    }
    CHECK_EQ(exo_pte(X), 0);
    /* Slots that are not frames. */
    CHECK_EQ(exo_map(CAP_SELF, CAP_SELF, X, 0), -E_INVAL);
    CHECK_EQ(exo_map(CAP_SELF, NCAPSLOTS, X, 0), -E_INVAL);
    CHECK_EQ(exo_map(CAP_SELF, 255, X, 0), -E_NOENT);
    long env = sys_env_create(16);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)env, X, 0), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)env), 0);
    /* A valid batch: map, protect, unmap in one go, in order. */
    set_op(0, X, a, MMU_MAP | MMU_W);
    set_op(1, Y, b, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), 2);
    set_op(0, 0, a, MMU_PROTECT);
    set_op(1, 0, b, MMU_UNMAP);
    set_op(2, Y, c, MMU_MAP | MMU_W); /* Y is still occupied when the batch is checked */
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 3), -E_INVAL);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), 2);
    CHECK_EQ(exo_pte(X) & (PTE_P | PTE_W), PTE_P);
    CHECK_EQ(exo_pte(Y), 0);
    /* Double mappings. */
    CHECK_EQ(exo_map(CAP_SELF, a, Z, 0), -E_BUSY); /* a is mapped at X */
    CHECK_EQ(exo_map(CAP_SELF, a, X, 0), -E_BUSY);
    CHECK_EQ(exo_map(CAP_SELF, b, X, 0), -E_INVAL); /* X is taken */
    CHECK_EQ(exo_unmap(CAP_SELF, b), -E_INVAL);     /* b is not mapped */
    CHECK_EQ(exo_protect(CAP_SELF, b, MMU_W), -E_INVAL);
    /* A copy maps the same frame a second time. */
    long a2 = sys_cap_derive(a, R_READ | R_WRITE, CAP_SELF);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)a2, Z, MMU_W), 1);
    CHECK_EQ(exo_protect(CAP_SELF, a, MMU_W), 1);
    *(volatile uint64_t *)X = 0x1234;
    CHECK_EQ(*(volatile uint64_t *)Z, 0x1234);
    CHECK_EQ(sys_cap_delete((uint32_t)a2), 0);
    CHECK_EQ(exo_pte(Z), 0);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
}

/* Rights of copies; a write through a read-only mapping faults and the
 * handler repairs it. */
static void copy_rights(uint32_t a)
{
    uint64_t X = R1 + 4 * PG, Y = R1 + 5 * PG;
    long ro = sys_cap_derive(a, R_READ, CAP_SELF);
    long wo = sys_cap_derive(a, R_WRITE | R_EXEC, CAP_SELF);
    long rx = sys_cap_derive(a, R_READ | R_EXEC, CAP_SELF);
    CHECK_EQ(ro > 0 && wo > 0 && rx > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ro, X, MMU_W), -E_PERM);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ro, X, MMU_X), -E_PERM);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)wo, X, 0), -E_PERM); /* no R_READ */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)wo, X, MMU_W), -E_PERM);
    CHECK_EQ(exo_pte(X), 0);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)rx, X, MMU_X), 1);
    CHECK_EQ(exo_pte(X) & (PTE_P | PTE_W | PTE_NX), PTE_P);
    CHECK_EQ(exo_protect(CAP_SELF, (uint32_t)rx, MMU_W), -E_PERM);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)rx), 1);

    /* The original writes; the read-only copy reads. */
    CHECK_EQ(exo_map(CAP_SELF, a, Y, MMU_W), 1);
    *(volatile uint64_t *)Y = 0xfeed;
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)ro, X, 0), 1);
    CHECK_EQ(exo_pte(X) & (PTE_P | PTE_U | PTE_W | PTE_NX), PTE_P | PTE_U | PTE_NX);
    CHECK_EQ(*(volatile uint64_t *)X, 0xfeed);
    swap_ro = (uint32_t)ro;
    swap_rw = a;
    swap_va = X;
    nfaults = 0;
    *(volatile uint64_t *)(X + 8) = 0xbeef; /* faults; the handler swaps in a */
    CHECK_EQ(nfaults, 1);
    CHECK_EQ(fault_addr, X + 8);
    CHECK_EQ(fault_err & 7, 7); /* present, write, user */
    CHECK_EQ(swap_ro, 0);
    CHECK_EQ(*(volatile uint64_t *)(X + 8), 0xbeef);
    CHECK_EQ(exo_pte(X) & PTE_W, PTE_W);
    CHECK_EQ(insp(a), 0);
    CHECK_EQ(ci.mapped_va, X);
    CHECK_EQ(insp((uint32_t)ro), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    CHECK_EQ(sys_cap_revoke(a), 3);
}

/* Mappings in another env: owned by that env's address space. */
static void other_env(uint32_t a)
{
    uint64_t X = R1 + 6 * PG;
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    CHECK_EQ(insp((uint32_t)child), 0);
    uint64_t child_id = ci.object;
    CHECK_EQ(exo_map((uint32_t)child, a, X, MMU_W), 1);
    CHECK_EQ(insp(a), 0);
    CHECK_EQ(ci.mapped_va, X);
    CHECK_EQ(ci.mapped_env, child_id);
    CHECK_EQ(exo_pte(X), 0); /* not in our address space */
    CHECK_EQ(exo_unmap(CAP_SELF, a), -E_INVAL);
    CHECK_EQ(exo_protect(CAP_SELF, a, 0), -E_INVAL);
    CHECK_EQ(exo_map(CAP_SELF, a, X, 0), -E_BUSY);
    CHECK_EQ(exo_protect((uint32_t)child, a, 0), 1);
    CHECK_EQ(exo_unmap((uint32_t)child, a), 1);
    CHECK_EQ(exo_map((uint32_t)child, a, X, 0), 1);
    /* Destroying the env forgets the mapping. */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(insp(a), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(ci.mapped_env, 0);
    CHECK_EQ(exo_map(CAP_SELF, a, X, 0), 1);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);

    /* A read-only copy mapped at the program's text address before the
     * program is loaded: loading must fail, or at least not write the
     * program into a frame we may only read. */
    CHECK_EQ(exo_map(CAP_SELF, a, X, MMU_W), 1);
    memset((void *)X, 0x5a, PG);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    long ro = sys_cap_derive(a, R_READ, CAP_SELF);
    child = sys_env_create(64);
    CHECK_EQ(ro > 0 && child > 0, 1);
    CHECK_EQ(exo_map((uint32_t)child, (uint32_t)ro, 0x401000, 0), 1);
    long r = sys_env_load((uint32_t)child, "t_caps_child", 12);
    if (r >= 0) {
        printf("  check failed: sys_env_load over a mapped page = %ld, expected an error\n", r);
        check_failures++;
    }
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(insp((uint32_t)ro), 0);
    CHECK_EQ(ci.mapped_env, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);
    CHECK_EQ(exo_map(CAP_SELF, a, X, 0), 1);
    int changed = 0;
    for (unsigned i = 0; i < PG; i++)
        changed += ((volatile uint8_t *)X)[i] != 0x5a;
    CHECK_EQ(changed, 0);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
}

/* A batch of 64 maps; the PTEs say what was asked. Then A and D bits. */
static void batch64(void)
{
    static uint32_t caps[64];
    static uint64_t pfns[64];
    for (int i = 0; i < 64; i++) {
        caps[i] = frame();
        pfns[i] = pfn_of(caps[i]);
        uint32_t perm = i % 3 == 1 ? MMU_W : i % 3 == 2 ? MMU_X : 0;
        set_op(i, R2 + (uint64_t)i * PG, caps[i], MMU_MAP | perm);
    }
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 64), 64);
    int bad = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t pte = exo_pte(R2 + (uint64_t)i * PG);
        uint64_t want = PTE_P | PTE_U | (i % 3 == 1 ? PTE_W : 0) | (i % 3 == 2 ? 0 : PTE_NX);
        if ((pte & (PTE_P | PTE_U | PTE_W | PTE_NX)) != want ||
            (pte & 0x000ffffffffff000UL) != pfns[i] << 12)
            bad++;
    }
    CHECK_EQ(bad, 0);
    /* Accessed and dirty, as the CPU sets them. */
    uint64_t v = R2 + 1 * PG;
    CHECK_EQ(exo_pte(v) & (PTE_A | PTE_D), 0);
    CHECK_EQ(*(volatile uint64_t *)v, 0);
    CHECK_EQ(exo_pte(v) & (PTE_A | PTE_D), PTE_A);
    *(volatile uint64_t *)v = 3;
    CHECK_EQ(exo_pte(v) & (PTE_A | PTE_D), PTE_A | PTE_D);
    CHECK_EQ(exo_pte(R2 + 4 * PG) & PTE_D, 0);
    for (int i = 0; i < 64; i++)
        set_op(i, 0, caps[i], MMU_UNMAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 64), 64);
    bad = 0;
    for (int i = 0; i < 64; i++)
        bad += exo_pte(R2 + (uint64_t)i * PG) != 0;
    CHECK_EQ(bad, 0);
    for (int i = 0; i < 64; i++)
        CHECK_EQ(sys_cap_delete(caps[i]), 0);
}

/* The page-table window and the information page are read-only. */
static void readonly_windows(void)
{
    uint64_t targets[] = {(uint64_t)PT_WINDOW_PTE(USER_MIN),
                          (uint64_t)PT_WINDOW_PTE(R2),
                          (uint64_t)PT_WINDOW_PTE((uint64_t)&targets),
                          (uint64_t)PT_WINDOW_PML4E(0),
                          (uint64_t)PT_WINDOW_PDE(USER_MIN),
                          ENV_INFO_VA,
                          ENV_INFO_VA + 16};
    for (unsigned i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        uint64_t t = targets[i];
        uint64_t old = *(volatile uint64_t *)t;
        nfaults = 0;
        CHECK_EQ(probe_store(t, 0xffffffffffffffffUL), 1);
        CHECK_EQ(nfaults, 1);
        CHECK_EQ(fault_addr, t);
        CHECK_EQ(fault_err & 7, 7); /* present, write, user */
        CHECK_EQ(*(volatile uint64_t *)t, old);
    }
    /* A store that is allowed goes through the same probe. */
    static volatile uint64_t ok;
    CHECK_EQ(probe_store((uint64_t)&ok, 9), 0);
    CHECK_EQ(ok, 9);
}

/* Physical frame numbers. */
static void frames(void)
{
    uint32_t f = frame();
    uint64_t pfn = pfn_of(f);
    uint64_t used = exo_info->mem_used;
    CHECK_EQ(sys_frame_alloc((int64_t)pfn), -E_BUSY); /* ours */
    CHECK_EQ(sys_frame_alloc(0x200), -E_BUSY);        /* the kernel image at 2 MiB */
    CHECK_EQ(sys_frame_alloc(1L << 40), -E_INVAL);
    CHECK_EQ(sys_frame_alloc(1L << 62), -E_INVAL);
    CHECK_EQ(sys_frame_alloc(-2), -E_INVAL);
    CHECK_EQ(sys_frame_alloc((int64_t)0x8000000000000000UL), -E_INVAL);
    /* Not RAM at all: the legacy VGA window, and the top of a 4 GiB space. */
    CHECK_EQ(sys_frame_alloc(0xb8), -E_INVAL);
    CHECK_EQ(sys_frame_alloc(0xfffff), -E_INVAL);
    CHECK_EQ(exo_info->mem_used, used); /* failures are not charged */
    /* Give a frame back and ask for it by number: it comes back zeroed. */
    CHECK_EQ(exo_map(CAP_SELF, f, R1 + 8 * PG, MMU_W), 1);
    memset((void *)(R1 + 8 * PG), 0xa5, PG);
    CHECK_EQ(exo_unmap(CAP_SELF, f), 1);
    CHECK_EQ(sys_cap_delete(f), 0);
    CHECK_EQ(exo_info->mem_used, used - 1);
    long g = sys_frame_alloc((int64_t)pfn);
    CHECK_EQ(g > 0, 1);
    if (g <= 0)
        return;
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(insp((uint32_t)g), 0);
    CHECK_EQ(ci.object, pfn);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)g, R1 + 8 * PG, 0), 1);
    int nonzero = 0;
    for (unsigned i = 0; i < PG / 8; i++)
        nonzero += ((volatile uint64_t *)(R1 + 8 * PG))[i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)g), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)g), 0);
}

/* Frame and page-table accounting: 200 pages in and out; page tables for a
 * fresh region are charged to us. */
static void accounting(void)
{
    enum { N = 200 };
    static uint32_t caps[N];
    /* Make R3's page tables first: they stay until the env ends. */
    uint32_t t = frame();
    CHECK_EQ(exo_map(CAP_SELF, t, R3, 0), 1);
    CHECK_EQ(exo_unmap(CAP_SELF, t), 1);
    CHECK_EQ(sys_cap_delete(t), 0);
    /* And the capability table's pages for N more slots: they stay too. */
    for (int i = 0; i < N; i++)
        caps[i] = frame();
    for (int i = 0; i < N; i++)
        CHECK_EQ(sys_cap_delete(caps[i]), 0);
    long before = free_frames();
    uint64_t used = exo_info->mem_used;
    for (int i = 0; i < N; i++) {
        caps[i] = frame();
        set_op(i, R3 + (uint64_t)i * PG, caps[i], MMU_MAP | MMU_W);
    }
    CHECK_EQ(exo_info->mem_used, used + N);
    CHECK_EQ(free_frames(), before - N);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, N), N);
    CHECK_EQ(exo_info->mem_used, used + N); /* no new page tables */
    for (int i = 0; i < N; i++)
        ((volatile uint64_t *)(R3 + (uint64_t)i * PG))[i] = (uint64_t)i + 1;
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        sum += ((volatile uint64_t *)(R3 + (uint64_t)i * PG))[i];
    CHECK_EQ(sum, N * (N + 1) / 2);
    for (int i = 0; i < N; i++)
        set_op(i, 0, caps[i], MMU_UNMAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, N), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(sys_cap_delete(caps[i]), 0);
    CHECK_EQ(free_frames(), before);
    CHECK_EQ(exo_info->mem_used, used);

    /* A fresh 512 GiB region: a page directory pointer table, a page
     * directory and a page table, charged to us. */
    t = frame();
    used = exo_info->mem_used;
    before = free_frames();
    CHECK_EQ(exo_pte(R4), 0);
    CHECK_EQ(exo_map(CAP_SELF, t, R4, 0), 1);
    CHECK_EQ(exo_info->mem_used, used + 3);
    CHECK_EQ(free_frames(), before - 3);
    CHECK_EQ(*PT_WINDOW_PML4E(R4) & (PTE_P | PTE_U), PTE_P | PTE_U);
    CHECK_EQ(exo_unmap(CAP_SELF, t), 1);
    CHECK_EQ(sys_cap_delete(t), 0);
}

/* exo_pte through every level of the window: a page at PDPT index 5 of a
 * PML4 entry whose neighbours are empty. */
static void window_levels(void)
{
    uint32_t t = frame();
    uint64_t va = R5 + (5UL << 30) + (7UL << 21) + (9UL << 12);
    uint64_t pfn = pfn_of(t);
    CHECK_EQ(exo_map(CAP_SELF, t, va, MMU_W), 1);
    CHECK_EQ(*PT_WINDOW_PML4E(va) & PTE_P, PTE_P);
    CHECK_EQ(*PT_WINDOW_PDPTE(va) & PTE_P, PTE_P);
    CHECK_EQ(exo_pte(va) & 0x000ffffffffff000UL, pfn << 12);
    CHECK_EQ(exo_pte(va) & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_W | PTE_U);
    CHECK_EQ(exo_pte(va + PG), 0);
    CHECK_EQ(exo_unmap(CAP_SELF, t), 1);
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(sys_cap_delete(t), 0);
}

/* sys_frame_copy: a fresh original holding the frame's bytes, its own
 * frame; bad input is refused and charges nothing. */
#define PATTERN(i) (0x1234567800000000UL + (i))
static void frame_copies(void)
{
    uint32_t f = frame();
    volatile uint64_t *src = (volatile uint64_t *)(R1 + 9 * PG),
                      *dst = (volatile uint64_t *)(R1 + 10 * PG);
    CHECK_EQ(exo_map(CAP_SELF, f, (uint64_t)src, MMU_W), 1);
    for (unsigned i = 0; i < PG / 8; i++)
        src[i] = PATTERN(i);
    uint64_t used = exo_info->mem_used;
    long before = free_frames();
    long g = sys_frame_copy(f);
    CHECK_EQ(g > 0, 1);
    if (g <= 0)
        return;
    CHECK_EQ(exo_info->mem_used, used + 1);
    CHECK_EQ(free_frames(), before - 1);
    CHECK_EQ(insp((uint32_t)g), 0);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(ci.order, 0);
    CHECK_EQ(ci.rights, R_READ | R_WRITE | R_EXEC | R_GRANT | R_REVOKE);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(ci.object != pfn_of(f), 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)g, (uint64_t)dst, MMU_W), 1);
    int diff = 0;
    for (unsigned i = 0; i < PG / 8; i++)
        diff += dst[i] != PATTERN(i);
    CHECK_EQ(diff, 0);
    dst[0] = 1; /* separate frames */
    CHECK_EQ(src[0], PATTERN(0));
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)g), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)g), 0);
    CHECK_EQ(exo_info->mem_used, used);
    /* R_READ is all it needs (a read-only copy of the capability). */
    long ro = sys_cap_derive(f, R_READ, CAP_SELF);
    CHECK_EQ(ro > 0, 1);
    long h = sys_frame_copy((uint32_t)ro);
    CHECK_EQ(h > 0, 1);
    CHECK_EQ(h > 0 && sys_cap_delete((uint32_t)h) == 0, 1);
    /* Bad input. */
    long wo = sys_cap_derive(f, R_WRITE, CAP_SELF); /* no R_READ */
    long nt = sys_notify_create();                  /* not a frame */
    long blk = sys_frame_alloc_in(CAP_SELF, -1, 1); /* a block of two */
    long gone = sys_cap_derive(f, R_READ, CAP_SELF);
    CHECK_EQ(wo > 0 && nt > 0 && blk > 0 && gone > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)gone), 0); /* an empty slot now */
    used = exo_info->mem_used;
    before = free_frames();
    CHECK_EQ(sys_frame_copy(CAP_SELF), -E_INVAL);
    CHECK_EQ(sys_frame_copy(NCAPSLOTS), -E_INVAL);
    CHECK_EQ(sys_frame_copy(0xffffffffu), -E_INVAL);
    CHECK_EQ(sys_frame_copy((uint32_t)gone), -E_NOENT);
    CHECK_EQ(sys_frame_copy((uint32_t)wo), -E_PERM);
    CHECK_EQ(sys_frame_copy((uint32_t)nt), -E_PERM);
    CHECK_EQ(sys_frame_copy((uint32_t)blk), -E_INVAL);
    CHECK_EQ(exo_info->mem_used, used); /* failures are not charged */
    CHECK_EQ(free_frames(), before);
    CHECK_EQ(sys_cap_delete((uint32_t)wo), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)nt), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)blk), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);
    CHECK_EQ(exo_unmap(CAP_SELF, f), 1);
    CHECK_EQ(sys_cap_delete(f), 0);
}

/* A batch of one through sys_mmu_update, to compare sys_mmu_op with. */
static long batch1(uint32_t env, uint64_t va, uint32_t cap, uint32_t op)
{
    set_op(0, va, cap, op);
    return sys_mmu_update(env, ops, 1);
}

static void single_ops(void)
{
    uint64_t va = R1 + 12 * PG, vb = R1 + 13 * PG;
    uint32_t f = frame(), g = frame();
    long nt = sys_notify_create();
    long ro = sys_cap_derive(f, R_READ, CAP_SELF);
    long gone = sys_cap_derive(f, R_READ, CAP_SELF);
    CHECK_EQ(nt > 0 && ro > 0 && gone > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)gone), 0);
    const struct {
        uint32_t env;
        uint64_t va;
        uint32_t cap, op;
    } bad[] = {
        {CAP_SELF, va + 1, f, MMU_MAP},
        {CAP_SELF, 0, f, MMU_MAP},
        {CAP_SELF, 0xffff800000000000UL, f, MMU_MAP},
        {CAP_SELF, USER_MAP_TOP, f, MMU_MAP},
        {CAP_SELF, ENV_INFO_VA, f, MMU_MAP},
        {CAP_SELF, va, f, 0x77},
        {CAP_SELF, va, f, 0},
        {CAP_SELF, va, f, MMU_MAP | 0x800},
        {CAP_SELF, va, f, MMU_MAP | MMU_CLRAD},
        {CAP_SELF, va, f, MMU_COPY | MMU_TCAP},
        {CAP_SELF, va, f, MMU_UNMAP},   /* not mapped */
        {CAP_SELF, va, f, MMU_PROTECT}, /* not mapped */
        {CAP_SELF, va, f, MMU_PROTECT | MMU_W | MMU_CLRAD},
        {CAP_SELF, va, CAP_SELF, MMU_MAP},
        {CAP_SELF, va, NCAPSLOTS, MMU_MAP},
        {CAP_SELF, va, 0xffffffffu, MMU_MAP},
        {CAP_SELF, va, (uint32_t)gone, MMU_MAP},
        {CAP_SELF, va, (uint32_t)nt, MMU_MAP},
        {CAP_SELF, va, (uint32_t)ro, MMU_MAP | MMU_W},
        {CAP_SELF, va, (uint32_t)ro, MMU_MAP | MMU_X},
        {NCAPSLOTS, va, f, MMU_MAP},
        {(uint32_t)nt, va, f, MMU_MAP},
        {(uint32_t)gone, va, f, MMU_MAP},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long r1 = batch1(bad[i].env, bad[i].va, bad[i].cap, bad[i].op);
        long r2 = sys_mmu_op(bad[i].env, bad[i].va, bad[i].cap, bad[i].op);
        CHECK_EQ(r1 < 0, 1);
        CHECK_EQ(r2, r1);
    }
    CHECK_EQ(exo_pte(va), 0);
    /* Slot and opcode wider than the batch's 32-bit fields: refused, not cut. */
    CHECK_EQ(exo_syscall6(SYS_mmu_op, CAP_SELF, (long)va, (long)((1UL << 32) | f), MMU_MAP, 0, 0),
             -E_INVAL);
    CHECK_EQ(exo_syscall6(SYS_mmu_op, CAP_SELF, (long)va, f, (long)((1UL << 32) | MMU_MAP), 0, 0),
             -E_INVAL);
    CHECK_EQ(exo_pte(va), 0);
    /* The work itself: map, busy, taken address, protect, unmap. */
    CHECK_EQ(sys_mmu_op(CAP_SELF, va, f, MMU_MAP | MMU_W), 1);
    CHECK_EQ(exo_pte(va) & (PTE_P | PTE_W), PTE_P | PTE_W);
    *(volatile uint64_t *)va = 42;
    CHECK_EQ(sys_mmu_op(CAP_SELF, vb, f, MMU_MAP), -E_BUSY);
    CHECK_EQ(batch1(CAP_SELF, vb, f, MMU_MAP), -E_BUSY);
    CHECK_EQ(sys_mmu_op(CAP_SELF, va, g, MMU_MAP), -E_INVAL);
    CHECK_EQ(batch1(CAP_SELF, va, g, MMU_MAP), -E_INVAL);
    /* sys_mmu_op's own MMU_PROTECT path: every refusal as the batch's
     * (generic) checks give it, on a mapped page, which stays as it was. */
    const struct {
        uint32_t env;
        uint32_t cap, op;
    } badp[] = {
        {CAP_SELF, (uint32_t)ro, MMU_PROTECT | MMU_W}, /* no R_WRITE */
        {CAP_SELF, (uint32_t)ro, MMU_PROTECT | MMU_X}, /* no R_EXEC */
        {CAP_SELF, (uint32_t)ro, MMU_PROTECT},         /* not the mapped capability */
        {CAP_SELF, (uint32_t)nt, MMU_PROTECT},         /* not a frame */
        {CAP_SELF, (uint32_t)gone, MMU_PROTECT},       /* empty slot */
        {CAP_SELF, CAP_SELF, MMU_PROTECT},
        {CAP_SELF, NCAPSLOTS, MMU_PROTECT},
        {CAP_SELF, f, MMU_PROTECT | 0x800}, /* unknown flag */
        {CAP_SELF, f, MMU_PROTECT | 0x40000},
        {NCAPSLOTS, f, MMU_PROTECT}, /* bad env slots */
        {(uint32_t)nt, f, MMU_PROTECT},
        {(uint32_t)gone, f, MMU_PROTECT},
    };
    for (unsigned i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        long r1 = batch1(badp[i].env, 0, badp[i].cap, badp[i].op);
        long r2 = sys_mmu_op(badp[i].env, 0, badp[i].cap, badp[i].op);
        CHECK_EQ(r1 < 0, 1);
        CHECK_EQ(r2, r1);
        CHECK_EQ(exo_pte(va) & (PTE_P | PTE_W), PTE_P | PTE_W);
    }
    CHECK_EQ(sys_mmu_op(CAP_SELF, 0, f, MMU_PROTECT), 1);
    CHECK_EQ(exo_pte(va) & PTE_W, 0);
    CHECK_EQ(probe_store(va, 1), 1);
    CHECK_EQ(*(volatile uint64_t *)va, 42);
    CHECK_EQ(sys_mmu_op(CAP_SELF, 0, f, MMU_UNMAP), 1);
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(sys_mmu_op(CAP_SELF, 0, f, MMU_UNMAP), -E_INVAL);
    /* A copy into another env, as sys_mmu_update makes it. */
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    CHECK_EQ(sys_mmu_op((uint32_t)child, 0, f, MMU_PROTECT), -E_INVAL); /* not mapped there */
    CHECK_EQ(sys_mmu_op((uint32_t)child, va, f, MMU_COPY), 1);
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.children, 2); /* ro, and the copy in the child */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)nt), 0);
    CHECK_EQ(sys_cap_delete(f), 0);
    CHECK_EQ(sys_cap_delete(g), 0);
}

static void frame_maps(void)
{
    uint64_t va = R1 + 14 * PG, vb = R1 + 15 * PG;
    uint32_t f = frame();
    CHECK_EQ(exo_map(CAP_SELF, f, vb, 0), 1);
    long nt = sys_notify_create();
    long gone = sys_cap_derive(f, R_READ, CAP_SELF);
    CHECK_EQ(nt > 0 && gone > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)gone), 0);
    uint64_t used = exo_info->mem_used;
    long before = free_frames();
    CHECK_EQ(sys_frame_map(CAP_SELF, va, 4), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, va, MMU_TCAP), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, va, MMU_MAP | MMU_W), -E_INVAL);
    CHECK_EQ(exo_syscall6(SYS_frame_map, CAP_SELF, (long)va, (long)((1UL << 32) | MMU_W), 0, 0, 0),
             -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, va + 8, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, 0, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, 0xffff800000000000UL, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, USER_MAP_TOP, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, ENV_INFO_VA, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map(CAP_SELF, vb, MMU_W), -E_INVAL); /* taken */
    CHECK_EQ(sys_frame_map(NCAPSLOTS, va, MMU_W), -E_INVAL);
    CHECK_EQ(sys_frame_map((uint32_t)gone, va, MMU_W), -E_NOENT);
    CHECK_EQ(sys_frame_map((uint32_t)nt, va, MMU_W), -E_PERM);
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(exo_info->mem_used, used); /* failures are not charged */
    CHECK_EQ(free_frames(), before);
    /* A zeroed frame of ours, mapped as asked. */
    long s = sys_frame_map(CAP_SELF, va, MMU_W);
    CHECK_EQ(s > 0, 1);
    if (s <= 0)
        return;
    CHECK_EQ(exo_info->mem_used, used + 1);
    CHECK_EQ(insp((uint32_t)s), 0);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(ci.rights, R_READ | R_WRITE | R_EXEC | R_GRANT | R_REVOKE);
    CHECK_EQ(ci.mapped_va, va);
    CHECK_EQ(ci.mapped_env, exo_info->id);
    CHECK_EQ(exo_pte(va) & (PTE_P | PTE_W), PTE_P | PTE_W);
    uint64_t nz = 0;
    for (unsigned i = 0; i < PG / 8; i++)
        nz |= ((volatile uint64_t *)va)[i];
    CHECK_EQ(nz, 0);
    *(volatile uint64_t *)va = 7;
    CHECK_EQ(sys_cap_delete((uint32_t)s), 0); /* unmapped and freed */
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(free_frames(), before);
    s = sys_frame_map(CAP_SELF, va, 0); /* read-only */
    CHECK_EQ(s > 0 && probe_store(va, 1) == 1, 1);
    CHECK_EQ(s > 0 && sys_cap_delete((uint32_t)s) == 0, 1);
    /* Into another env (its table, its quota); none left: nothing kept. */
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    long cs = sys_frame_map((uint32_t)child, va, MMU_W);
    CHECK_EQ(cs > 0, 1);
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(sys_frame_map((uint32_t)child, va, MMU_W), -E_INVAL);
    long r = 0;
    for (int i = 1; i < 64 && r >= 0; i++)
        r = sys_frame_map((uint32_t)child, va + (uint64_t)i * PG, 0);
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(free_frames(), before);
    CHECK_EQ(sys_cap_delete((uint32_t)nt), 0);
    CHECK_EQ(sys_cap_delete(f), 0);
}

/* A 2 MiB block at a 2 MiB boundary is one 2 MiB page: no page table,
 * exo_pte still gives every 4 KiB page's entry, nothing else can be mapped
 * inside it, protect, copy into another env, unmap, and the same block
 * through a page table (an unaligned address, or a table already there). */
static void large_pages(uint32_t a)
{
    const uint64_t MB2 = 2UL << 20;
    long blk = sys_frame_alloc_in(CAP_SELF, -1, 9);
    CHECK_EQ(blk > 0, 1);
    if (blk <= 0)
        return;
    uint32_t b = (uint32_t)blk;
    uint64_t pa = pfn_of(b) * PG;
    CHECK_EQ(pa % MB2, 0);
    uint64_t used = exo_info->mem_used;
    CHECK_EQ(exo_map(CAP_SELF, b, R6, MMU_W), 1);
    CHECK_EQ(exo_info->mem_used - used, 2); /* a PDPT and a PD; no page table */
    CHECK_EQ(*PT_WINDOW_PDE(R6) & PTE_PS, PTE_PS);
    int bad = 0;
    for (uint64_t k = 0; k < 512; k++) {
        uint64_t pte = exo_pte(R6 + k * PG);
        bad += (pte & 0x000ffffffffff000UL) != pa + k * PG || !(pte & PTE_P) || !(pte & PTE_W) ||
               !(pte & PTE_U) || !(pte & PTE_NX) || (pte & PTE_PS);
        bad += *(volatile uint64_t *)(R6 + k * PG) != 0; /* zeroed */
        *(volatile uint64_t *)(R6 + k * PG) = k;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(exo_pte(R6 + MB2), 0);
    /* Nothing else inside it: a page, a page by a batch, a frame_map, a block. */
    CHECK_EQ(exo_map(CAP_SELF, a, R6 + 5 * PG, 0), -E_INVAL);
    set_op(0, R6 + 9 * PG, a, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 1), -E_INVAL);
    uint32_t f1 = frame();
    set_op(0, R1, a, MMU_MAP);
    set_op(1, R6 + 511 * PG, f1, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    CHECK_EQ(exo_pte(R1), 0); /* (the whole batch refused) */
    CHECK_EQ(sys_cap_delete(f1), 0);
    CHECK_EQ(sys_frame_map(CAP_SELF, R6 + 7 * PG, 0), -E_INVAL);
    long small = sys_frame_alloc_in(CAP_SELF, -1, 3);
    CHECK_EQ(small > 0, 1);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)small, R6 + 64 * PG, 0), -E_INVAL);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)small, R6 - 4 * PG, 0), -E_INVAL); /* overlaps its start */
    /* Read-only: a store faults; writable again. */
    CHECK_EQ(exo_protect(CAP_SELF, b, 0), 1);
    CHECK_EQ(exo_pte(R6 + 100 * PG) & PTE_W, 0);
    int before = nfaults;
    CHECK_EQ(probe_store(R6 + 100 * PG, 1), 1);
    CHECK_EQ(nfaults, before + 1);
    CHECK_EQ(exo_protect(CAP_SELF, b, MMU_W), 1);
    CHECK_EQ(probe_store(R6 + 100 * PG, 100), 0);
    /* A copy in another env; deleting the env frees its tables, not our block. */
    long f0 = free_frames();
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    set_op(0, R6, b, MMU_COPY);
    CHECK_EQ(sys_mmu_update((uint32_t)child, ops, 1), 1);
    CHECK_EQ(insp(b), 0);
    CHECK_EQ(ci.children, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(free_frames(), f0);
    CHECK_EQ(insp(b), 0);
    CHECK_EQ(ci.children, 0);
    bad = 0;
    for (uint64_t k = 0; k < 512; k++)
        bad += *(volatile uint64_t *)(R6 + k * PG) != k;
    CHECK_EQ(bad, 0);
    /* Unmapped: the range is free again, for a page (which makes a page
     * table there) and then for the block through that table. */
    CHECK_EQ(exo_unmap(CAP_SELF, b), 1);
    CHECK_EQ(exo_pte(R6), 0);
    CHECK_EQ(exo_pte(R6 + 511 * PG), 0);
    CHECK_EQ(exo_map(CAP_SELF, a, R6 + 5 * PG, 0), 1);
    CHECK_EQ(exo_map(CAP_SELF, b, R6, 0), -E_INVAL);
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    CHECK_EQ(exo_map(CAP_SELF, b, R6, 0), 1);
    CHECK_EQ(*PT_WINDOW_PDE(R6) & PTE_PS, 0);
    CHECK_EQ(exo_pte(R6 + 3 * PG) & 0x000ffffffffff000UL, pa + 3 * PG);
    CHECK_EQ(*(volatile uint64_t *)(R6 + 3 * PG), 3);
    CHECK_EQ(exo_unmap(CAP_SELF, b), 1);
    CHECK_EQ(exo_pte(R6 + 3 * PG), 0);
    /* At an address that is not a 2 MiB boundary: page entries. */
    CHECK_EQ(exo_map(CAP_SELF, b, R6 + MB2 + PG, 0), 1);
    CHECK_EQ(*PT_WINDOW_PDE(R6 + MB2) & PTE_PS, 0);
    CHECK_EQ(exo_pte(R6 + MB2 + 512 * PG) & 0x000ffffffffff000UL, pa + 511 * PG);
    CHECK_EQ(*(volatile uint64_t *)(R6 + MB2 + 512 * PG), 511);
    CHECK_EQ(exo_unmap(CAP_SELF, b), 1);
    /* Mapped whole again in a fresh 2 MiB, then deleted while mapped. */
    CHECK_EQ(exo_map(CAP_SELF, b, R6 + 4 * MB2, MMU_W), 1);
    CHECK_EQ(*PT_WINDOW_PDE(R6 + 4 * MB2) & PTE_PS, PTE_PS);
    CHECK_EQ(sys_cap_delete(b), 0);
    CHECK_EQ(exo_pte(R6 + 4 * MB2), 0);
    CHECK_EQ(exo_map(CAP_SELF, a, R6 + 4 * MB2 + 8 * PG, 0), 1); /* (free: a page table is made) */
    CHECK_EQ(exo_unmap(CAP_SELF, a), 1);
    if (small > 0) {
        CHECK_EQ(sys_cap_delete((uint32_t)small), 0);
    }
}

/* MMU_REMAP: a mapped frame replaced by another in one step (the old slot
 * in `va`); its bad inputs, answered alike by a batch of one and sys_mmu_op,
 * and the batch rules (the replaced capability and its address are the
 * op's too). */
static void remaps(void)
{
    uint64_t va = R1 + 16 * PG, vb = R1 + 17 * PG, vc = R1 + 18 * PG;
    uint32_t f = frame(), g = frame(), h = frame();
    long nt = sys_notify_create();
    long ro = sys_cap_derive(g, R_READ, CAP_SELF);
    long gone = sys_cap_derive(f, R_READ, CAP_SELF);
    long blk = sys_frame_alloc_in(CAP_SELF, -1, 1);
    CHECK_EQ(nt > 0 && ro > 0 && gone > 0 && blk > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)gone), 0);
    CHECK_EQ(exo_map(CAP_SELF, f, va, MMU_W), 1);
    *(volatile uint64_t *)va = 42;
    CHECK_EQ(exo_map(CAP_SELF, g, vb, MMU_W), 1);
    *(volatile uint64_t *)vb = 7;
    CHECK_EQ(exo_unmap(CAP_SELF, g), 1);
    CHECK_EQ(exo_map(CAP_SELF, h, vc, 0), 1);
    uint64_t used = exo_info->mem_used, pte = exo_pte(va);
    const struct {
        uint64_t old;
        uint32_t cap, op;
        long want;
    } bad[] = {
        {(uint64_t)gone, g, MMU_REMAP, -E_NOENT},      /* old slot empty */
        {CAP_SELF, g, MMU_REMAP, -E_INVAL},            /* old slot not a slot */
        {NCAPSLOTS, g, MMU_REMAP, -E_INVAL},           /* out of range */
        {(1UL << 32) | f, g, MMU_REMAP, -E_INVAL},     /* wider than a slot */
        {(uint64_t)nt, g, MMU_REMAP, -E_PERM},         /* old is no frame */
        {g, h, MMU_REMAP, -E_INVAL},                   /* old not mapped */
        {f, f, MMU_REMAP, -E_INVAL},                   /* itself */
        {f, h, MMU_REMAP, -E_BUSY},                    /* new one mapped */
        {f, (uint32_t)ro, MMU_REMAP | MMU_W, -E_PERM}, /* new lacks R_WRITE */
        {f, (uint32_t)blk, MMU_REMAP, -E_INVAL},       /* a block */
        {f, g, MMU_REMAP | MMU_CLRAD, -E_INVAL},       /* flag of protect */
        {f, g, MMU_REMAP | 0x800, -E_INVAL},           /* unknown flag */
        {f, (uint32_t)nt, MMU_REMAP, -E_PERM},         /* new is no frame */
        {f, (uint32_t)gone, MMU_REMAP, -E_NOENT},      /* new slot empty */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long r1 = batch1(CAP_SELF, bad[i].old, bad[i].cap, bad[i].op);
        long r2 = sys_mmu_op(CAP_SELF, bad[i].old, bad[i].cap, bad[i].op);
        CHECK_EQ(r1, bad[i].want);
        CHECK_EQ(r2, r1);
    }
    /* Batches that must be refused whole: the replaced capability unmapped,
     * protected or replaced twice, its address mapped, the new one twice. */
    set_op(0, f, g, MMU_REMAP | MMU_W);
    set_op(1, 0, f, MMU_UNMAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    set_op(1, 0, f, MMU_PROTECT);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    set_op(1, f, (uint32_t)ro, MMU_REMAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    set_op(1, va, (uint32_t)ro, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    set_op(1, vb, g, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    set_op(0, va & ~(2 * PG - 1), (uint32_t)blk, MMU_MAP); /* a block over the address */
    set_op(1, f, g, MMU_REMAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), -E_INVAL);
    CHECK_EQ(exo_pte(va), pte); /* nothing of it applied */
    CHECK_EQ(*(volatile uint64_t *)va, 42);
    CHECK_EQ(exo_pte(vb), 0);
    /* The work: g in f's place, at once, writable; f unmapped; no charge. */
    CHECK_EQ(sys_mmu_op(CAP_SELF, f, g, MMU_REMAP | MMU_W), 1);
    CHECK_EQ(exo_pte(va) & (PTE_P | PTE_W), PTE_P | PTE_W);
    CHECK_EQ((exo_pte(va) & 0x000ffffffffff000UL) >> 12, pfn_of(g));
    CHECK_EQ(*(volatile uint64_t *)va, 7);
    *(volatile uint64_t *)va = 8;
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(ci.mapped_env, 0);
    CHECK_EQ(insp(g), 0);
    CHECK_EQ(ci.mapped_va, va);
    CHECK_EQ(ci.mapped_env, exo_info->id);
    CHECK_EQ(exo_info->mem_used, used);
    CHECK_EQ(sys_mmu_op(CAP_SELF, 0, f, MMU_UNMAP), -E_INVAL); /* f is not mapped any more */
    /* Back again, read-only, through a batch with another op; then the
     * replaced one is unmapped by the deletion of nothing but itself. */
    set_op(0, g, f, MMU_REMAP);
    set_op(1, vb, (uint32_t)ro, MMU_MAP);
    CHECK_EQ(sys_mmu_update(CAP_SELF, ops, 2), 2);
    CHECK_EQ(*(volatile uint64_t *)va, 42);
    CHECK_EQ(probe_store(va, 1), 1);
    CHECK_EQ(*(volatile uint64_t *)vb, 8);
    CHECK_EQ(sys_cap_delete(g), 0); /* (ro, its copy, goes with it) */
    CHECK_EQ(exo_pte(vb), 0);
    CHECK_EQ(exo_pte(va) & PTE_P, PTE_P);
    /* In another env, with capabilities of its own table (MMU_TCAP). */
    long child = sys_env_create(16);
    CHECK_EQ(child > 0, 1);
    long cs = sys_frame_map((uint32_t)child, va, MMU_W);
    long cg = sys_frame_alloc_in((uint32_t)child, -1, 0);
    CHECK_EQ(cs > 0 && cg > 0, 1);
    CHECK_EQ(sys_mmu_op((uint32_t)child, f, h, MMU_REMAP), -E_INVAL); /* ours, not mapped there */
    CHECK_EQ(sys_mmu_op((uint32_t)child, (uint64_t)cs, (uint32_t)cg, MMU_REMAP | MMU_TCAP), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete(f), 0);
    CHECK_EQ(exo_pte(va), 0);
    CHECK_EQ(sys_cap_delete(h), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)blk), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)nt), 0);
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_pf), 0);
    uint32_t a = frame(), b = frame(), c = frame();
    bad_args(a);
    bad_vas(a);
    batches(a, b, c);
    copies();
    copy_rights(a);
    other_env(a);
    batch64();
    readonly_windows();
    frames();
    accounting();
    window_levels();
    frame_copies();
    single_ops();
    frame_maps();
    large_pages(a);
    remaps();
    CHECK_EQ(sys_cap_delete(a), 0);
    CHECK_EQ(sys_cap_delete(b), 0);
    CHECK_EQ(sys_cap_delete(c), 0);
    printf("t_mmu: %d failed checks\n", check_failures);
    return check_failures;
}
