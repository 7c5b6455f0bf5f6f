/* The in-guest test runner. First the kernel's own unit tests, then each user
 * test program named in the boot image's "tests" manifest:
 *
 *     # program   expected outcome        [timeout in seconds [quota in MiB]]
 *     t_exit42    exit:42
 *     t_ud2       fault:UD
 *     t_spin      timeout                 1
 *     t_sh        exit:0                  120 128
 *
 * First the plan, "test: plan N: ...", the number of verdicts to expect;
 * then one line per test with its verdict, then "N passed, M failed" (a run
 * whose count differs from its plan fails). Every test
 * program must also give back every frame it used. The machine then exits
 * through isa-debug-exit: 0 if all passed, 1 otherwise. */
#include "kernel.h"
#include "ktest.h"
#include "cpu.h"
#include "env.h"
#include "pmem.h"
#include "vm.h"
#include "initrd.h"
#include "uaccess.h"
#include "sched.h"
#include "cap.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/ioapic.h"
#include "trap.h"
#include "ext.h"
#include "kcall_table.h"
#include <spinel/kcall_nums.h>
#include "quota.h"
#include "dev/virtio_blk.h"
#include "net.h"

static int passed, failed;

static void verdict(bool ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void verdict(bool ok, const char *name, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    kprintf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name, detail[0] ? ": " : "", detail);
    if (ok)
        passed++;
    else
        failed++;
}

/* ---- kernel unit tests ---- */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ksnprintf(why, whylen, "%s (line %d)", #cond, __LINE__);                               \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

static bool t_printf(char *why, size_t whylen)
{
    char b[64];
    ksnprintf(b, sizeof b, "%d|%5u|%-4s|%x|%05ld|%c|%s", -42, 7u, "ab", 0xbeefu, -12L, 'z', "");
    CHECK(strcmp(b, "-42|    7|ab  |beef|-0012|z|") == 0);
    CHECK(ksnprintf(b, 4, "%s", "abcdef") == 6 && strcmp(b, "abc") == 0);
    ksnprintf(b, sizeof b, "%lx %lu", 0xffffffff80000000UL, 18446744073709551615UL);
    CHECK(strcmp(b, "ffffffff80000000 18446744073709551615") == 0);
    return true;
}

static bool t_frames(char *why, size_t whylen)
{
    enum { N = 64 };
    paddr_t f[N];
    u64 before = pmem_free_frames();
    for (int i = 0; i < N; i++) {
        f[i] = frame_alloc();
        CHECK(f[i] != 0 && f[i] % PAGE_SIZE == 0 && f[i] >= 0x100000);
        u64 *p = P2V(f[i]);
        for (int k = 0; k < 512; k++)
            CHECK(p[k] == 0);
        p[0] = i + 1;
    }
    CHECK(pmem_free_frames() == before - N);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            CHECK(f[i] != f[j]);
    for (int i = 0; i < N; i++)
        CHECK(*(u64 *)P2V(f[i]) == (u64)i + 1);
    for (int i = 0; i < N; i++)
        frame_free(f[i]);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* DMA pins (pmem.c): a pinned frame that is freed stays allocated until
 * its last pin goes; overlapping pins are counted separately. */
static bool t_dma_pins(char *why, size_t whylen)
{
    paddr_t f = frame_alloc_contig(4);
    CHECK(f != 0);
    u64 before = pmem_free_frames();
    CHECK(frame_pin(f, 2));             /* frames 0, 1 */
    CHECK(frame_pin(f + PAGE_SIZE, 2)); /* frames 1, 2 */
    for (int i = 0; i < 4; i++)
        frame_free(f + (u64)i * PAGE_SIZE);
    CHECK(pmem_free_frames() == before + 1); /* frame 3 only */
    frame_unpin(f, 2);
    CHECK(pmem_free_frames() == before + 2); /* frame 0; 1 is still pinned */
    frame_unpin(f + PAGE_SIZE, 2);
    CHECK(pmem_free_frames() == before + 4);
    return true;
}

static bool t_wx(char *why, size_t whylen)
{
    CHECK(vm_check_wx() == 0);
    extern char _text[];
    CHECK((u64)_text == KERNEL_TEXT);
    u64 *pte = vm_walk(kernel_pml4, (vaddr_t)_text);
    CHECK(pte && !(*pte & PTE_W) && !(*pte & PTE_NX) && !(*pte & PTE_U));
    return true;
}

/* The guard page below every kernel stack (boot, per-CPU, IST) is unmapped. */
static bool t_stack_guards(char *why, size_t whylen)
{
    extern char _text[], _kernel_end[];
    u64 guards = 0;
    for (vaddr_t va = (vaddr_t)_text; va < (vaddr_t)_kernel_end; va += PAGE_SIZE) {
        if (!kstack_guard_name(va))
            continue;
        guards++;
        CHECK(vm_walk(kernel_pml4, va) == NULL);
    }
    /* boot stack; per CPU: kernel stack, #DF, NMI, #MC; per AP: idle stack */
    CHECK(guards == 1 + MAX_CPUS * 4 + (MAX_CPUS - 1));
    CHECK(vm_walk(kernel_pml4, cpu()->kstack_top - PAGE_SIZE) != NULL);
    CHECK(kstack_guard_name(cpu()->kstack_top - KSTACK_SIZE - 1) != NULL);
    return true;
}

/* A real SMAP violation is caught in the handlers of a program that set
 * RFLAGS.AC: t_smap_ac sets it, spins through timer interrupts and ends with
 * ud2, while every trap handler from user mode reads a user page without
 * stac (trap.c); each read must fault. */
static bool t_smap_probe(char *why, size_t whylen)
{
    if (!cpu_has_smap) {
        ksnprintf(why, whylen, "no SMAP on this CPU: nothing to check");
        return true;
    }
    struct initrd_file f;
    CHECK(initrd_find("t_smap_ac", &f));
    u64 faulted = smap_probe_faulted, read = smap_probe_read;
    struct env *e;
    smap_probe = true;
    int r = run_env("t_smap_ac", f.data, f.size, ROOT_QUOTA, 10, &e);
    smap_probe = false;
    CHECK(r == 0);
    bool ud = e->stop == STOP_FAULT && e->fault_vector == T_UD;
    env_free(e);
    CHECK(ud);
    CHECK(smap_probe_read == read);
    CHECK(smap_probe_faulted > faulted);
    ksnprintf(why, whylen, "%lu reads of user memory from handlers, all caught by SMAP",
              smap_probe_faulted - faulted);
    return true;
}

/* The syscall fast path calls kcall_entry[n] for every n below SYS_NCALLS
 * without a check: every number must have an entry (a gap in the table's
 * numbers answers -E_NOSYS; it was a jump to address 0). */
extern const kcall_fn kcall_entry[SYS_NCALLS];
s64 kcall_nosys(void);
static bool t_kcall_entries(char *why, size_t whylen)
{
    int gaps = 0;
    for (int n = 0; n < SYS_NCALLS; n++) {
        CHECK(kcall_entry[n] != NULL);
        gaps += kcall_entry[n] == (kcall_fn)(void (*)(void))kcall_nosys;
    }
    ksnprintf(why, whylen, "%d numbers, %d without a call", SYS_NCALLS, gaps);
    return true;
}

extern void kmain(u32, u32);

static bool t_ksyms(char *why, size_t whylen)
{
    u64 off = 99;
    const char *n = ksym_lookup((u64)kmain + 5, &off);
    CHECK(n && strcmp(n, "kmain") == 0 && off == 5);
    n = ksym_lookup((u64)t_ksyms, &off);
    CHECK(n && strcmp(n, "t_ksyms") == 0 && off == 0);
    CHECK(ksym_lookup(0x1000, &off) == NULL);
    return true;
}

static bool t_uaccess(char *why, size_t whylen)
{
    u64 x = 0;
    /* No env is running: the user half is empty, so every copy must fault
     * and be caught by the exception table. */
    CHECK(copy_from_user(&x, 0, 8) == -E_FAULT);
    CHECK(copy_from_user(&x, 0x400000, 8) == -E_FAULT);
    CHECK(copy_to_user(0x7ffffffff000, &x, 8) == -E_FAULT);
    CHECK(copy_from_user(&x, (u64)&x, 8) == -E_FAULT);      /* kernel address */
    CHECK(copy_from_user(&x, USER_TOP - 4, 8) == -E_FAULT); /* straddles the top */
    CHECK(copy_from_user(&x, 0x400000, ~0UL) == -E_FAULT);  /* length overflows */
    CHECK(!user_range_ok(~0UL - 3, 8));
    return true;
}

static bool t_timer(char *why, size_t whylen)
{
    u64 t0 = cpu()->ticks;
    for (int i = 0; i < 1000 && cpu()->ticks < t0 + 3; i++)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    CHECK(cpu()->ticks >= t0 + 3);
    CHECK(lapic_ticks_per_period > 0);
    /* The boot's calibration holds when measured again (within 1%), however
     * loaded the host was during either measurement: a stall of the virtual
     * CPU must not stretch the window (lapic.c). */
    u64 again = lapic_measure_tsc_per_ms();
    CHECK(again > 0);
    CHECK(again * 100 > tsc_per_ms * 99 && again * 100 < tsc_per_ms * 101);
    ksnprintf(why, whylen, "tsc %lu kHz at boot, %lu kHz measured again", tsc_per_ms, again);
    return true;
}

/* Loads `elf` into a fresh env; returns the loader's verdict and frees the env. */
static int try_load(const u8 *elf, size_t size)
{
    struct env *e;
    int r = env_alloc("loadtest", 0, 512, &e);
    if (r == 0) {
        r = env_load_program(e, elf, size);
        env_teardown(e, STOP_KILLED);
        env_free(e);
    }
    return r;
}

/* The loader gives a read-only segment's pages in blocks (one capability
 * each), the last page of each segment a frame of its own; every loaded
 * byte is the file's, the rest zero; and under every quota too small for
 * the program the load fails cleanly (nothing leaks, blocks included). */
static bool t_elf_blocks(char *why, size_t whylen)
{
    struct initrd_file f;
    CHECK(initrd_find("init", &f));
    const u8 *elf = f.data;
    u64 phoff = *(const u64 *)(elf + 32);
    u16 phnum = *(const u16 *)(elf + 56);
    u64 before = pmem_free_frames();
    struct env *e;
    CHECK(env_alloc("blocks", 0, 2048, &e) == 0);
    CHECK(env_load_program(e, f.data, f.size) == 0);
    u64 blocks = 0, checked = 0;
    for (u16 i = 0; i < phnum; i++) {
        const u8 *ph = elf + phoff + (u64)i * 56;
        u32 type = *(const u32 *)ph, flags = *(const u32 *)(ph + 4);
        u64 off = *(const u64 *)(ph + 8), va = *(const u64 *)(ph + 16);
        u64 filesz = *(const u64 *)(ph + 32), memsz = *(const u64 *)(ph + 40);
        if (type != 1 || !memsz)
            continue;
        for (u64 a = va; a < va + memsz; a++, checked++) {
            u64 *pte = vm_walk(e->pml4, a);
            CHECK(pte && (*pte & PTE_U));
            CHECK(!(flags & 2) || (*pte & PTE_W));
            u8 want = a - va < filesz ? elf[off + (a - va)] : 0;
            CHECK(((const u8 *)P2V(PTE_ADDR(*pte)))[a % PAGE_SIZE] == want);
        }
    }
    for (u64 s = 1; s < CAP_MAX_SLOT; s++) {
        struct capnode *c = cap_slot(e, s);
        if (!c || c->type != CAP_FRAME || !c->order)
            continue;
        blocks++;
        CHECK(c->mapped_env == e->id);
        for (u64 k = 0; k < cap_pages(c); k++) { /* mapped whole, read-only */
            u64 *pte = vm_walk(e->pml4, c->mapped_va + k * PAGE_SIZE);
            CHECK(pte && PTE_ADDR(*pte) == (c->object + k) * PAGE_SIZE && !(*pte & PTE_W));
        }
    }
    CHECK(blocks > 0);
    u64 used = e->mem_used;
    env_teardown(e, STOP_KILLED);
    env_free(e);
    CHECK(pmem_free_frames() == before);
    for (u64 q = 1; q < used; q++) {              /* every quota short of what it takes */
        if (env_alloc("blocks", 0, q, &e) == 0) { /* (not even the empty space fits: fine) */
            CHECK(env_load_program(e, f.data, f.size) == -E_NOMEM);
            env_teardown(e, STOP_KILLED);
            env_free(e);
        }
        CHECK(pmem_free_frames() == before);
    }
    ksnprintf(why, whylen, "%lu blocks, %lu bytes checked, quotas 1..%lu refused cleanly", blocks,
              checked, used - 1);
    return true;
}

static bool t_elf_reject(char *why, size_t whylen)
{
    static const u8 junk[64] = "this is not an ELF file";
    u8 hdr[128];
    u64 before = pmem_free_frames();
    CHECK(try_load(junk, sizeof junk) == -E_INVAL);
    CHECK(try_load(junk, 3) == -E_INVAL);
    /* A real header whose program headers point past the end of the file. */
    struct initrd_file f;
    CHECK(initrd_find("init", &f) && f.size > sizeof hdr);
    memcpy(hdr, f.data, sizeof hdr);
    CHECK(try_load(hdr, sizeof hdr) == -E_INVAL);
    /* Entry point in kernel space. */
    memcpy(hdr, f.data, sizeof hdr);
    *(u64 *)(hdr + 24) = KERNEL_BASE;
    CHECK(try_load(hdr, sizeof hdr) == -E_INVAL);
    /* The real thing, with its entry point moved: it must lie where user
     * code can be mapped (below USER_MAP_TOP, not in the page-table window
     * up to USER_TOP). */
    u64 npages = ROUNDUP(f.size, PAGE_SIZE) / PAGE_SIZE;
    paddr_t copy = frame_alloc_contig(npages);
    CHECK(copy);
    u8 *img = P2V(copy);
    static const u64 bad_entry[] = {USER_MAP_TOP, USER_TOP - PAGE_SIZE, USER_TOP - 1, USER_MIN - 1};
    bool refused = true;
    for (size_t i = 0; i < ARRAY_SIZE(bad_entry); i++) {
        memcpy(img, f.data, f.size);
        *(u64 *)(img + 24) = bad_entry[i];
        refused &= try_load(img, f.size) == -E_INVAL;
    }
    for (u64 i = 0; i < npages; i++)
        frame_free(copy + i * PAGE_SIZE);
    CHECK(refused);
    /* The real thing loads; a quota too small for it fails cleanly. */
    CHECK(try_load(f.data, f.size) == 0);
    struct env *e;
    CHECK(env_alloc("tiny", 0, 8, &e) == 0);
    CHECK(env_load_program(e, f.data, f.size) == -E_NOMEM);
    env_teardown(e, STOP_KILLED);
    env_free(e);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* Capability derivation trees: revoking reaches every copy. */
static bool t_caps(char *why, size_t whylen)
{
    struct env *a, *b;
    u64 before = pmem_free_frames();
    CHECK(env_alloc("capa", 0, 64, &a) == 0);
    CHECK(env_alloc("capb", 0, 64, &b) == 0);
    int root = cap_insert(a, CAP_ENV, R_ALL, b->id, 0);
    CHECK(root > 0);
    u32 rn = cap_slot(a, (u64)root)->id;
    int c1 = cap_insert(b, CAP_ENV, R_CALL, b->id, rn);
    int c2 = cap_insert(a, CAP_ENV, R_CALL | R_GRANT, b->id, rn);
    CHECK(c1 > 0 && c2 > 0 && c1 != c2);
    int c3 = cap_insert(b, CAP_ENV, R_CALL, b->id, cap_slot(a, (u64)c2)->id);
    CHECK(c3 > 0 && cap_slot(b, (u64)c3)->depth == 2);
    CHECK(cap_revoke_children(rn) == 3);
    CHECK(cap_slot(b, (u64)c1)->type == CAP_NONE && cap_slot(a, (u64)c2)->type == CAP_NONE &&
          cap_slot(b, (u64)c3)->type == CAP_NONE && cap_slot(a, (u64)root)->type == CAP_ENV);
    /* Deleting the original destroys the env it names. */
    cap_delete_node(rn);
    CHECK(b->state == ENV_FREE);
    env_teardown(a, STOP_KILLED);
    env_free(a);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* ---- env lifecycle: deep trees, cycles, failures half way ---- */

/* How much kernel stack fn(arg) takes: the stack below is painted, fn runs,
 * and the lowest byte it changed tells (STACK_PAINT or more reads as
 * STACK_PAINT; the boot stack has room for it). Interrupts are off. */
#define STACK_PAINT 8192
static __attribute__((noinline)) u64 stack_use(void (*fn)(struct env *, u32), struct env *e,
                                               u32 arg)
{
    u64 rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    u8 *low = (u8 *)(rsp - 256 - STACK_PAINT);
    memset(low, 0x5a, STACK_PAINT);
    fn(e, arg);
    u64 i = 0;
    while (i < STACK_PAINT && low[i] == 0x5a)
        i++;
    return rsp - (u64)&low[i]; /* from this frame down */
}

/* env_create, and the child may draw on all of p's object quotas (as
 * sys_env_quota(child, OBJ_ALL, 0, ~0, 0) gives it): these tests are about
 * memory quotas and trees, not object counts. */
static int env_create_c(struct env *p, u64 quota)
{
    int slot = env_create(p, quota);
    if (slot >= 0) {
        struct env *c = env_lookup((u32)cap_slot(p, (u64)slot)->object);
        for (int k = 0; k < OBJ_KINDS; k++)
            c->objq.credit[k] = ~0u;
    }
    return slot;
}

static struct env *chain[NENV];
static u32 chain_orig[NENV]; /* node of chain[i]'s original (held by chain[i - 1], or the root) */

/* From root r, each env creates the next as long as the env table and the
 * quotas allow (each keeping 12 pages for itself): a chain of envs, each
 * holding the next one's original, created by it. With `depth`, a frame of
 * r has copies derived one from the other down the chain, up to
 * CAP_MAX_DEPTH generations. Returns the length (at most `max`). */
static int build_chain(struct env *r, int max, int depth)
{
    struct env *p = r;
    int n = 0;
    while (n < max && env_spare(p) >= ENV_MIN_QUOTA + 12) {
        int slot = env_create_c(p, env_spare(p) - 12);
        if (slot < 0)
            break;
        struct capnode *o = cap_slot(p, (u64)slot);
        chain_orig[n] = o->id;
        chain[n++] = p = env_lookup((u32)o->object);
    }
    if (depth && n) {
        paddr_t pa = frame_alloc();
        if (!pa || env_charge(r, 1) < 0)
            return -1;
        int s = cap_insert(r, CAP_FRAME, R_ALL & ~R_CALL & ~R_CONTROL, pa / PAGE_SIZE, 0);
        u32 prev = cap_slot(r, (u64)s)->id;
        for (int i = 0; i < depth && i < CAP_MAX_DEPTH; i++) {
            struct env *h = chain[i % n];
            s = cap_insert(h, CAP_FRAME, R_READ | R_GRANT, pa / PAGE_SIZE, prev);
            if (s < 0)
                return -1;
            prev = cap_slot(h, (u64)s)->id;
        }
    }
    return n;
}

static void del_node(struct env *e, u32 n)
{
    (void)e;
    cap_delete_node(n);
}
static void del_bottom_up(struct env *e, u32 n)
{
    (void)e;
    for (int i = (int)n - 1; i >= 0; i--)
        cap_delete_node(chain_orig[i]);
}
static void kill_env(struct env *e, u32 unused)
{
    (void)unused;
    env_teardown(e, STOP_KILLED);
}
/* The frame original of the root (the one with copies), then the chain. */
static void del_frames_then_top(struct env *r, u32 unused)
{
    (void)unused;
    for (u64 s = 1; s < r->cap_top; s++) {
        struct capnode *c = cap_slot(r, s);
        if (c && c->type == CAP_FRAME && c->first_child) {
            cap_revoke_children(c->id);
            cap_delete_node(c->id);
            break;
        }
    }
    cap_delete_node(chain_orig[0]);
}

/* Deep chains torn down in several orders: quotas and frames come back
 * whole, and the kernel stack used does not grow with the depth. */
static bool t_env_chains(char *why, size_t whylen)
{
    u64 before = pmem_free_frames();
    struct env *r;
    CHECK(env_alloc("chainroot", 0, 4000, &r) == 0);
    u64 q0 = r->mem_quota;
    /* A short chain, for the stack it takes. */
    int n = build_chain(r, 2, 2);
    CHECK(n == 2);
    u64 shallow = stack_use(del_node, r, chain_orig[0]);
    CHECK(r->mem_quota == q0 && chain[0]->state == ENV_FREE && chain[1]->state == ENV_FREE);
    u64 worst = 0;
    for (int order = 0; order < 6; order++) {
        n = build_chain(r, NENV, CAP_MAX_DEPTH);
        CHECK(n >= NENV - 4); /* the table is the limit, not the quota */
        u64 used = 0;
        switch (order) {
        case 0: /* the top first: the whole chain with it */
            used = stack_use(del_node, r, chain_orig[0]);
            break;
        case 1: /* the bottom first, up to the top */
            used = stack_use(del_bottom_up, r, (u32)n);
            break;
        case 2: /* the middle first, then the top */
            used = stack_use(del_node, r, chain_orig[n / 2]);
            CHECK(chain[n / 2 - 1]->state != ENV_FREE && chain[n / 2]->state == ENV_FREE);
            cap_delete_node(chain_orig[0]);
            break;
        case 3: /* the derivation chain first (revoked, then deleted) */
            used = stack_use(del_frames_then_top, r, 0);
            break;
        case 4: /* the top env killed (a zombie until its original goes) */
            used = stack_use(kill_env, chain[0], 0);
            CHECK(chain[0]->state == ENV_ZOMBIE && chain[1]->state == ENV_FREE);
            cap_delete_node(chain_orig[0]);
            break;
        case 5: /* a leaf killed, then the top */
            used = stack_use(kill_env, chain[n - 1], 0);
            CHECK(chain[n - 1]->state == ENV_ZOMBIE && chain[n - 2]->state == ENV_EMPTY);
            cap_delete_node(chain_orig[0]);
            break;
        }
        worst = MAX(worst, used);
        for (int i = 0; i < n; i++)
            CHECK(chain[i]->state == ENV_FREE);
        CHECK(r->mem_quota == q0);
    }
    ksnprintf(why, whylen, "%d envs deep: %lu bytes of stack at most (2 deep: %lu)", n, worst,
              shallow);
    if (worst >= 3072 || worst > shallow + 512)
        return false; /* (why says how much) */
    /* The root itself ends with a chain under it. */
    CHECK(build_chain(r, NENV, CAP_MAX_DEPTH) >= NENV - 4);
    CHECK(stack_use(kill_env, r, 0) < 3072);
    CHECK(chain[0]->state == ENV_FREE);
    env_free(r);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* The original of `t`, held by its creator, goes to `holder` (as a
 * sys_cap_move would, without its cycle check). */
static void force_move(struct env *t, struct env *holder)
{
    struct capnode *o = cap_node(t->orig_cap);
    int s = cap_insert(holder, CAP_ENV, R_ALL, t->id, 0); /* (charged to holder) */
    assert(s > 0);
    quota_uncharge_cap(env_lookup_any(o->owner), CAP_ENV, t->id);
    o->type = CAP_NONE;
    t->orig_cap = cap_slot(holder, (u64)s)->id;
}

/* Envs that own themselves (the cycles sys_cap_move refuses) are torn down
 * all the same, without a panic, and their quota goes back. */
static bool t_env_cycles(char *why, size_t whylen)
{
    u64 before = pmem_free_frames();
    struct env *r;
    CHECK(env_alloc("cycleroot", 0, 1000, &r) == 0);
    u64 q0 = r->mem_quota;
    /* One that holds its own original: it exits. */
    int s = env_create_c(r, 100);
    CHECK(s > 0);
    struct env *a = env_lookup((u32)cap_slot(r, (u64)s)->object);
    force_move(a, a);
    CHECK(env_below(a, a));
    /* Frames after it in its table: released once its original is gone. */
    CHECK(env_map_new_frame(a, USER_MIN, PTE_W | PTE_NX) == 0);
    CHECK(env_map_new_frame(a, USER_MIN + PAGE_SIZE, PTE_W | PTE_NX) == 0);
    env_teardown(a, STOP_EXIT);
    CHECK(a->state == ENV_FREE && r->mem_quota == q0);
    /* Two that hold each other's, and a third below one of them: killed. */
    int sa = env_create_c(r, 100), sb = env_create_c(r, 100);
    CHECK(sa > 0 && sb > 0);
    a = env_lookup((u32)cap_slot(r, (u64)sa)->object);
    struct env *b = env_lookup((u32)cap_slot(r, (u64)sb)->object);
    int sc = env_create_c(b, 30);
    CHECK(sc > 0);
    struct env *c = env_lookup((u32)cap_slot(b, (u64)sc)->object);
    force_move(b, a);
    force_move(a, b);
    CHECK(env_map_new_frame(a, USER_MIN, PTE_W | PTE_NX) == 0);
    CHECK(env_map_new_frame(b, USER_MIN, PTE_W | PTE_NX) == 0);
    CHECK(env_below(a, b) && env_below(b, a) && env_below(c, a));
    env_teardown(b, STOP_KILLED);
    CHECK(a->state == ENV_FREE && b->state == ENV_FREE && c->state == ENV_FREE);
    CHECK(r->mem_quota == q0);
    env_teardown(r, STOP_KILLED);
    env_free(r);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* Children that outlive their creator (their originals held elsewhere)
 * pass to its creator, without the credit it gave them; their quota comes
 * back to it when they end. */
static bool t_env_orphans(char *why, size_t whylen)
{
    u64 before = pmem_free_frames();
    struct env *r;
    CHECK(env_alloc("orphanroot", 0, 1000, &r) == 0);
    const u64 q0 = r->mem_quota;
    int sp = env_create_c(r, 400), sq = env_create_c(r, 100);
    CHECK(sp > 0 && sq > 0);
    struct env *p = env_lookup((u32)cap_slot(r, (u64)sp)->object);
    struct env *q = env_lookup((u32)cap_slot(r, (u64)sq)->object);
    int sx = env_create_c(p, 100), sy = env_create_c(p, 100);
    CHECK(sx > 0 && sy > 0);
    struct env *x = env_lookup((u32)cap_slot(p, (u64)sx)->object);
    struct env *y = env_lookup((u32)cap_slot(p, (u64)sy)->object);
    int sz = env_create_c(y, 30); /* a grandchild, under y */
    CHECK(sz > 0);
    struct env *z = env_lookup((u32)cap_slot(y, (u64)sz)->object);
    x->credit = y->credit = 1000;
    force_move(x, q); /* q holds x; y stays p's */
    force_move(y, q);
    env_teardown(p, STOP_EXIT);
    CHECK(x->state == ENV_EMPTY && y->state == ENV_EMPTY && z->state == ENV_EMPTY);
    CHECK(x->parent == r->id && y->parent == r->id && z->parent == y->id);
    CHECK(x->credit == 0 && y->credit == 0);
    CHECK(r->mem_quota == q0 - 400 - 100 + (400 - 200));
    /* y ends first (z with it), then q with x. */
    env_teardown(y, STOP_EXIT);
    CHECK(z->state == ENV_FREE && r->mem_quota == q0 - 100 - 100);
    cap_delete_node(cap_slot(r, (u64)sq)->id);
    CHECK(x->state == ENV_FREE && y->state == ENV_FREE && q->state == ENV_FREE);
    cap_delete_node(cap_slot(r, (u64)sp)->id);
    CHECK(p->state == ENV_FREE);
    CHECK(r->mem_quota == q0);
    env_teardown(r, STOP_KILLED);
    env_free(r);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* sys_env_create failing half way (out of frames at each step of building
 * the env in turn) gives the creator back exactly its quota. */
static bool t_env_create_fail(char *why, size_t whylen)
{
    u64 before = pmem_free_frames();
    struct env *r;
    CHECK(env_alloc("failroot", 0, 200, &r) == 0);
    const u64 q0 = r->mem_quota;
    /* Take every free frame, chained through themselves. */
    paddr_t hoard = 0, pa;
    while ((pa = frame_alloc()) != 0) {
        *(paddr_t *)P2V(pa) = hoard;
        hoard = pa;
    }
    int made = 0, k, bad = 0;
    for (k = 0; k < 12 && !made && !bad; k++) {
        /* k frames free for it: not enough, until it is. */
        for (int i = 0; i < k && hoard; i++) {
            paddr_t next = *(paddr_t *)P2V(hoard);
            frame_free(hoard);
            hoard = next;
        }
        int slot = env_create_c(r, 50);
        if (slot > 0) {
            made = 1;
            cap_delete_node(cap_slot(r, (u64)slot)->id);
        } else if (slot != -E_NOMEM) {
            bad = 1;
        }
        if (r->mem_quota != q0)
            bad = 2;
        /* Whatever it left free goes back to the hoard for the next try. */
        while ((pa = frame_alloc()) != 0) {
            *(paddr_t *)P2V(pa) = hoard;
            hoard = pa;
        }
    }
    while (hoard) {
        paddr_t next = *(paddr_t *)P2V(hoard);
        frame_free(hoard);
        hoard = next;
    }
    if (bad == 2)
        ksnprintf(why, whylen, "with %d frames free: quota %lu, was %lu", k - 1, r->mem_quota, q0);
    if (bad)
        return false;
    ksnprintf(why, whylen, "made with %d frames free", k - 1);
    CHECK(made && k > 3);
    env_teardown(r, STOP_KILLED);
    env_free(r);
    CHECK(pmem_free_frames() == before);
    return true;
}

/* Bounded work with interrupts off (issue 10, item 9): the abort protocol
 * takes an env's slots in one pass over its table, however full. The worst
 * case: a full table (4095 capabilities) whose slot originals sit at the
 * bottom, so the pass walks it all. Prints the work and the time (TSC ticks). */
static bool t_revoke_linear(char *why, size_t whylen)
{
    struct env *v, *p;
    u64 before = pmem_free_frames();
    CHECK(env_alloc("victim", 0, 256, &v) == 0);
    CHECK(env_alloc("policy", 0, 64, &p) == 0);
    int pos[2];
    int orig[2];
    for (int i = 0; i < 2; i++) {
        pos[i] = sched_slot_alloc(v, cpu()->id, -1);
        CHECK(pos[i] >= 0);
        orig[i] =
            cap_insert(v, CAP_SLOT, R_GRANT | R_REVOKE, sched_slot_object(cpu()->id, pos[i]), 0);
        CHECK(orig[i] > 0);
    }
    u32 parent = cap_slot(v, (u64)orig[0])->id;
    int n = 0;
    while (cap_insert(v, CAP_SLOT, R_GRANT, cap_node(parent)->object, parent) > 0)
        n++;
    CHECK(n == NCAPSLOTS - 1 - 2);
    CHECK(revoke_request(p, v, REVOKE_SLOTS, 2, 0) == 0);
    u64 steps = revoke_steps, t0 = rdtsc();
    revoke_check_deadlines();
    u64 ticks = rdtsc() - t0;
    steps = revoke_steps - steps;
    CHECK(!v->revoke_pending && v->info->ntaken == 2);
    CHECK(!(cpu()->slot_mask & (1UL << pos[0])) && !(cpu()->slot_mask & (1UL << pos[1])));
    CHECK(steps <= 2 * NCAPSLOTS);
    env_teardown(v, STOP_KILLED);
    env_free(v);
    env_teardown(p, STOP_KILLED);
    env_free(p);
    CHECK(pmem_free_frames() == before);
    ksnprintf(why, whylen, "full table: %lu slots visited, %lu TSC ticks", steps, ticks);
    return true;
}

/* Tearing down an env forgets the other envs' capabilities mapped in it by
 * walking its list of them: the work is what it forgets, not every table
 * of every env. The figures: one foreign mapping among a full table, then
 * 4000 foreign mappings. */
static bool t_forget_linear(char *why, size_t whylen)
{
    struct env *a, *b;
    u64 before = pmem_free_frames();
    CHECK(env_alloc("mapper", 0, 128, &b) == 0);
    paddr_t pa = frame_alloc();
    CHECK(pa);
    CHECK(env_charge(b, 1) == 0);
    int f = cap_insert(b, CAP_FRAME, R_ALL, pa / PAGE_SIZE, 0);
    CHECK(f > 0);
    u32 fid = cap_slot(b, (u64)f)->id;
    u64 ticks = 0, steps = 0;
    for (int round = 0; round < 2; round++) {
        u32 nmaps = round == 0 ? 1 : 4000;
        CHECK(env_alloc("mapped", 0, 64, &a) == 0);
        for (u32 i = 0; i < nmaps; i++) {
            int k = cap_insert(b, CAP_FRAME, R_READ, pa / PAGE_SIZE, fid);
            CHECK(k > 0);
            vaddr_t va = USER_MIN + (u64)i * PAGE_SIZE;
            CHECK(vm_map(a->pml4, va, pa, PTE_U | PTE_NX, a) == 0);
            cap_set_mapping(cap_slot(b, (u64)k), a, va);
        }
        while (round == 0 && cap_insert(b, CAP_FRAME, R_READ, pa / PAGE_SIZE, fid) > 0)
            ; /* fill b's table: the old scan walked it all */
        u64 s0 = cap_forget_steps, t0 = rdtsc();
        cap_forget_mappings_in(a);
        ticks = rdtsc() - t0;
        steps = cap_forget_steps - s0;
        CHECK(steps == nmaps);
        for (u32 k = cap_node(fid)->first_child; k; k = cap_node(k)->next_sibling)
            CHECK(cap_node(k)->mapped_env == 0);
        env_teardown(a, STOP_KILLED);
        env_free(a);
        cap_revoke_children(fid);
    }
    env_teardown(b, STOP_KILLED);
    env_free(b);
    CHECK(pmem_free_frames() == before);
    ksnprintf(why, whylen, "4000 foreign mappings forgotten in %lu TSC ticks", ticks);
    (void)steps;
    return true;
}

/* Teardown frees an address space's page tables from the env's list of
 * them (no scan) while it holds them all, and scans once it overflowed:
 * either way every table comes back. Mappings in 3, then in 20, separate
 * GiB regions (a page directory and a page table each). */
static bool t_pt_list(char *why, size_t whylen)
{
    u64 before = pmem_free_frames();
    paddr_t pa = frame_alloc();
    CHECK(pa);
    for (int round = 0; round < 2; round++) {
        struct env *a;
        int regions = round == 0 ? 3 : 20;
        CHECK(env_alloc("pt-list", 0, 128, &a) == 0);
        for (int i = 0; i < regions; i++) {
            vaddr_t va = 0x40000000UL * (u64)(i + 1) + 0x5000;
            CHECK(vm_map(a->pml4, va, pa, PTE_U | PTE_NX, a) == 0);
            CHECK(vm_walk(a->pml4, va) != NULL);
            *vm_walk(a->pml4, va) = 0; /* (the frame is not a's: unmapped before teardown) */
        }
        CHECK(a->pts_over == (round == 1));
        CHECK(round == 1 || (a->npts >= 2 * regions && a->npts <= PT_LIST_MAX));
        env_teardown(a, STOP_KILLED);
        env_free(a);
    }
    frame_free(pa);
    CHECK(pmem_free_frames() == before);
    ksnprintf(why, whylen, "listed and scanned teardowns give every table back");
    return true;
}

static bool t_initrd(char *why, size_t whylen)
{
    struct initrd_file f;
    CHECK(initrd_find("init", &f) && f.size > 64 &&
          memcmp(f.data,
                 "\x7f"
                 "ELF",
                 4) == 0);
    CHECK(!initrd_find("no-such-file", &f));
    CHECK(!initrd_find("ini", &f));
    return true;
}

/* NMIs that arrive while user code runs are the machine's: the kernel counts
 * them and resumes the env untouched. The PIT (channel 0, square wave at
 * ~1 kHz) drives I/O APIC input 2 (ISA IRQ 0) delivered as NMI while t_nmi
 * spins checking its registers (it exits 0 only if they never changed and it
 * took no upcall); most NMIs land in user mode. On a loaded host QEMU may
 * deliver few of them, so t_nmi runs again (up to 10 times) until some did. */
static bool t_nmi_user(char *why, size_t whylen)
{
    struct initrd_file f;
    CHECK(initrd_find("t_nmi", &f));
    u64 n0 = nmi_count, u0 = nmi_user, before = pmem_free_frames();
    const u16 count = 1193; /* 1193182 Hz / 1193: ~1 kHz */
    bool ok = true;
    int runs = 0;
    nmi_quiet = true;
    outb(0x43, 0x36); /* channel 0, lo/hi byte, mode 3 (square wave) */
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
    ioapic_route_nmi(2, cpu()->apic_id, true);
    while (ok && runs < 10 && nmi_user - u0 < 5) {
        struct env *e;
        runs++;
        ok = run_env("t_nmi", f.data, f.size, ROOT_QUOTA, 10, &e) == 0;
        if (!ok)
            break;
        ok = e->stop == STOP_EXIT && e->exit_status == 0;
        if (!ok)
            kprintf("t_nmi: %s\n", e->why);
        env_free(e);
    }
    ioapic_route_nmi(2, cpu()->apic_id, false);
    outb(0x43, 0x30); /* channel 0, mode 0, no count written: stopped */
    nmi_quiet = false;
    CHECK(ok);
    CHECK(nmi_user - u0 >= 1);
    CHECK(pmem_free_frames() == before);
    ksnprintf(why, whylen, "%lu NMIs, %lu in user mode, %d run(s); the env ran on untouched",
              nmi_count - n0, nmi_user - u0, runs);
    return true;
}

/* The epilogue's grace period counts only the time the env had: on a loaded
 * host QEMU's virtual CPU may not run for several ms while the timer goes
 * on, and its late ticks must not count (trap.c). Simulated: the first two
 * ticks of every grace period stall the CPU for 2.5 tick periods with
 * interrupts off. A library OS that yields at once (t_slots_good) still
 * never overruns; one whose handler spins (t_slots_bad) still does. */
static bool t_grace_stall(char *why, size_t whylen)
{
    const char *progs[2] = {"t_slots_good", "t_slots_bad"};
    u64 stalls = grace_stalls_done;
    for (int i = 0; i < 2; i++) {
        struct initrd_file f;
        CHECK(initrd_find(progs[i], &f));
        struct env *e;
        grace_stall_test = 2;
        int r = run_env(progs[i], f.data, f.size, ROOT_QUOTA, 10, &e);
        grace_stall_test = 0;
        CHECK(r == 0);
        bool ok = e->stop == STOP_EXIT && e->exit_status == 0;
        if (!ok)
            kprintf("%s: %s\n", progs[i], e->why);
        env_free(e);
        CHECK(ok);
    }
    CHECK(grace_stalls_done - stalls >= 10);
    ksnprintf(why, whylen,
              "%lu stalls of 2.5 ticks in grace periods: no overrun for a yielding "
              "handler, overruns for a spinning one",
              grace_stalls_done - stalls);
    return true;
}

static const struct {
    const char *name;
    bool (*fn)(char *why, size_t whylen);
} unit_tests[] = {
    {"kernel/printf", t_printf},
    {"kernel/frames", t_frames},
    {"kernel/dma-pins", t_dma_pins},
    {"kernel/no-wx", t_wx},
    {"kernel/ksyms", t_ksyms},
    {"kernel/uaccess", t_uaccess},
    {"kernel/timer", t_timer},
    {"kernel/elf-reject", t_elf_reject},
    {"kernel/elf-blocks", t_elf_blocks},
    {"kernel/initrd", t_initrd},
    {"kernel/caps", t_caps},
    {"kernel/nmi-from-user", t_nmi_user},
    {"kernel/stack-guards", t_stack_guards},
    {"kernel/smap-probe", t_smap_probe},
    {"kernel/kcall-entries", t_kcall_entries},
    {"kernel/env-chains", t_env_chains},
    {"kernel/env-cycles", t_env_cycles},
    {"kernel/env-orphans", t_env_orphans},
    {"kernel/env-create-fail", t_env_create_fail},
    {"kernel/revoke-linear", t_revoke_linear},
    {"kernel/forget-linear", t_forget_linear},
    {"kernel/pt-list", t_pt_list},
    {"kernel/grace-stall", t_grace_stall},
    {"kernel/net-rx-checks", net_selftest},
    {"kernel/acpi-tables", ktest_acpi},
    {"kernel/smp-cpus", ktest_smp},
    {"kernel/smp-per-cpu", ktest_smp_percpu},
    {"kernel/smp-locks", ktest_smp_call},
    {"kernel/klock", ktest_klock},
    {"kernel/klock-local", ktest_klock_local},
    {"kernel/frame-reps", ktest_frame_reps},
    {"kernel/tick-nolock", ktest_tick_nolock},
    {"kernel/tlb-shootdown", ktest_tlb_shootdown},
};

/* ---- user test programs ---- */

/* Runs a program as a root env with `quota` pages and slot 0 until it ends
 * (or its deadline). */
int run_env(const char *name, const u8 *elf, size_t size, u64 quota, u64 timeout_s,
            struct env **out)
{
    struct env *e;
    int r = env_alloc(name, 0, quota, &e);
    if (r < 0)
        return r;
    if ((r = env_load_program(e, elf, size)) < 0) {
        env_teardown(e, STOP_KILLED);
        env_free(e);
        return r;
    }
    e->state = ENV_RUNNABLE;
    if (timeout_s)
        e->deadline_tick = cpu()->ticks + timeout_s * TIMER_HZ;
    int pos = sched_slot_alloc(e, cpu()->id, -1);
    assert(pos >= 0);
    sched_loop_until(e);
    sched_slot_free(cpu()->id, (u32)pos);
    *out = e;
    return 0;
}

static const char *const short_names[32] = {
    [0] = "DE",  [1] = "DB",  [3] = "BP",  [4] = "OF",  [5] = "BR",  [6] = "UD",  [7] = "NM",
    [12] = "SS", [13] = "GP", [14] = "PF", [16] = "MF", [17] = "AC", [19] = "XM",
};

static void run_program(const char *name, const char *expect, u64 timeout_s, u64 quota)
{
    char test[48];
    ksnprintf(test, sizeof test, "user/%s", name);
    struct initrd_file f;
    if (!initrd_find(name, &f)) {
        verdict(false, test, "program not in the boot image");
        return;
    }
    u64 before = pmem_free_frames(), ac_before = trap_ac_entries;
    struct env *e;
    int r = run_env(name, f.data, f.size, quota, timeout_s, &e);
    if (r < 0) {
        verdict(false, test, "cannot start: error %d", r);
        return;
    }

    char got[32];
    if (e->stop == STOP_EXIT)
        ksnprintf(got, sizeof got, "exit:%d", e->exit_status);
    else if (e->stop == STOP_TIMEOUT)
        ksnprintf(got, sizeof got, "timeout");
    else
        ksnprintf(got, sizeof got, "fault:%s",
                  e->fault_vector < 32 && short_names[e->fault_vector]
                      ? short_names[e->fault_vector]
                  : e->fault_vector == KCALL_GATE_SYSCALL ? "SYSCALL"
                                                          : "?");
    char why[128];
    strlcpy(why, e->why, sizeof why);
    env_free(e);
    blk_quiesce(); /* frames it gave the disk are freed once the disk is done */
    u64 after = pmem_free_frames();
    if (strcmp(got, expect) != 0)
        verdict(false, test, "expected %s, got %s (%s)", expect, got, why);
    else if (trap_ac_entries != ac_before)
        verdict(false, test, "%s, but the kernel handled %lu traps with RFLAGS.AC set (SMAP off)",
                got, trap_ac_entries - ac_before);
    else if (after != before)
        verdict(false, test, "%s, but leaked %ld frames", got, (long)(before - after));
    else
        verdict(true, test, "%s", why);
}

/* Parses the manifest line by line: runs each test when `run` is set,
 * else only counts them. Returns the number of tests listed. */
static int run_manifest(const struct initrd_file *m, bool run)
{
    int listed = 0;
    size_t i = 0;
    while (i < m->size) {
        char line[128];
        size_t n = 0;
        while (i < m->size && m->data[i] != '\n') {
            if (n + 1 < sizeof line)
                line[n++] = (char)m->data[i];
            i++;
        }
        i++;
        line[n] = 0;
        char *words[4] = {0};
        int nw = 0;
        for (char *p = line; *p && nw < 4;) {
            while (*p == ' ' || *p == '\t')
                *p++ = 0;
            if (!*p || *p == '#')
                break;
            words[nw++] = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
        }
        if (nw < 2)
            continue;
        listed++;
        if (!run)
            continue;
        u64 timeout = 10, quota = ROOT_QUOTA;
        if (nw >= 3) {
            timeout = 0;
            for (char *p = words[2]; *p >= '0' && *p <= '9'; p++)
                timeout = timeout * 10 + (*p - '0');
        }
        if (nw == 4) {
            u64 mib = 0;
            for (char *p = words[3]; *p >= '0' && *p <= '9' && mib < (1 << 20); p++)
                mib = mib * 10 + (*p - '0');
            quota = mib * 256; /* pages */
        }
        run_program(words[0], words[1], timeout, quota);
    }
    return listed;
}

/* The plan comes first ("test: plan N: ..."), so that the host side can
 * tell a test that never ran from one that passed: the run is good only if
 * the final count of verdicts equals the plan and none failed. */
void ktest_run(void)
{
    u64 start_free = pmem_free_frames(), tick0 = cpu()->ticks, tsc0 = rdtsc();
    struct initrd_file m;
    bool have_manifest = initrd_find("tests", &m);
    int nunit = (int)ARRAY_SIZE(unit_tests);
    int nuser = have_manifest ? run_manifest(&m, false) : 1; /* 1: the "manifest" failure */
    const int nfinal = 2; /* kernel/no-wx-jit-aliases, kernel/no-leaks */
    kprintf("test: plan %d: %d kernel unit tests, %d user programs, %d final checks\n",
            nunit + nuser + nfinal, nunit, nuser, nfinal);
    for (size_t i = 0; i < ARRAY_SIZE(unit_tests); i++) {
        char why[128] = "";
        bool ok = unit_tests[i].fn(why, sizeof why);
        verdict(ok, unit_tests[i].name, "%s", why);
    }
    if (have_manifest)
        run_manifest(&m, true);
    else
        verdict(false, "manifest", "no \"tests\" file in the boot image");
    /* Every extension load checked W^X over all physical aliases while its
     * code lived (ext.c, in test mode). */
    verdict(ext_wx_checks > 0 && ext_wx_bad == 0, "kernel/no-wx-jit-aliases",
            "%lu checks with JIT'd code loaded, %lu frames writable and executable", ext_wx_checks,
            ext_wx_bad);
    u64 end_free = pmem_free_frames();
    verdict(end_free == start_free, "kernel/no-leaks", "free frames %lu before, %lu after",
            start_free, end_free);
    if (passed + failed != nunit + nuser + nfinal)
        verdict(false, "kernel/plan", "%d verdicts for a plan of %d", passed + failed,
                nunit + nuser + nfinal);
    /* How much a loaded host slowed the guest down: ticks lost (coalesced)
     * while its virtual CPU did not run. */
    kprintf("test: %lu timer ticks in %lu ms of TSC time\n", cpu()->ticks - tick0,
            (rdtsc() - tsc0) / tsc_per_ms);
    kprintf("%d passed, %d failed\n", passed, failed);
    machine_exit(failed ? 1 : 0);
}
