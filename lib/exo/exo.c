/* libexo helpers: upcall handler registration, mappings, page-table reads. */
#include "exo.h"

exo_handler_t exo_handlers[UPCALL_NKINDS];
exo_pct_fn exo_pct_handler;
extern void exo_upcall_entry(void);
extern void exo_pct_entry(void);

/* Programs of foreign-ABI envs (-DEXO_FOREIGN: the Linux personality) get
 * a deeper exception stack: a big process's copy-on-write faults on its
 * own page map nest, one level per page of the map, after a fork. */
#ifdef EXO_FOREIGN
#define XSTACK_SIZE (64 * 1024)
#else
#define XSTACK_SIZE (16 * 1024)
#endif
#define PCTSTACK_SIZE (16 * 1024)
/* The exception stack, the protected-entry stack and exo_resume's parking
 * spots, on pages of their own: every env needs private ones (a forked
 * child gets fresh pages here), and exo_resume must never take a
 * copy-on-write fault of its own. */
struct exo_private_area {
    uint8_t x[XSTACK_SIZE];
    uint8_t p[PCTSTACK_SIZE];
    uint64_t resume_rip, resume_rdi; /* upcall.S: EXO_RESUME_RIP, EXO_RESUME_RDI */
} __attribute__((aligned(4096)));    /* whole pages: nothing else may share them */
struct exo_private_area exo_private_area;
#define stacks exo_private_area
_Static_assert(__builtin_offsetof(struct exo_private_area, resume_rip) == XSTACK_SIZE + 16384 &&
                   __builtin_offsetof(struct exo_private_area, resume_rdi) == XSTACK_SIZE + 16392,
               "upcall.S's offsets");
_Static_assert(sizeof(struct exo_private_area) % 4096 == 0, "private pages");
#define xstack   (stacks.x)
#define pctstack (stacks.p)

void exo_private_range(uint64_t *lo, uint64_t *hi)
{
    *lo = (uint64_t)&stacks;
    *hi = (uint64_t)&stacks + sizeof stacks;
}
void exo_pct_stack_range(uint64_t *lo, uint64_t *hi)
{
    *lo = (uint64_t)pctstack;
    *hi = (uint64_t)pctstack + PCTSTACK_SIZE;
}
static struct env_entries entries;

static int install(void)
{
    entries.xstack_top = (uint64_t)(xstack + XSTACK_SIZE);
    entries.xstack_size = XSTACK_SIZE;
    entries.pct_stack_top = (uint64_t)(pctstack + PCTSTACK_SIZE);
    return (int)sys_env_set_entries(CAP_SELF, &entries);
}

const struct env_entries *exo_entries(void)
{
    return &entries;
}

int exo_set_handler(int kind, exo_handler_t handler)
{
    if (kind < 0 || kind >= UPCALL_NKINDS || kind == UPCALL_PCT)
        return -E_INVAL;
    exo_handlers[kind] = handler;
    entries.entry[kind] = handler ? (uint64_t)exo_upcall_entry : 0;
    return install();
}

int exo_set_pct_entry(exo_pct_fn fn)
{
    /* (A forked child of an env without a protected entry got no pages
     * for its stack: fresh ones now.) */
    for (uint64_t va = (uint64_t)pctstack; fn && va < (uint64_t)pctstack + PCTSTACK_SIZE;
         va += 4096)
        if (!(exo_pte(va) & PTE_P) && sys_frame_map(CAP_SELF, va, MMU_W) < 0)
            return -E_NOMEM;
    exo_pct_handler = fn;
    entries.entry[UPCALL_PCT] = fn ? (uint64_t)exo_pct_entry : 0;
    return install();
}

/* One operation: sys_mmu_op, in registers (sys_mmu_update of a batch of
 * one, without the copy). */
long exo_map(uint32_t env, uint32_t cap, uint64_t va, uint32_t perms)
{
    return sys_mmu_op(env, va, cap, MMU_MAP | perms);
}

long exo_unmap(uint32_t env, uint32_t cap)
{
    return sys_mmu_op(env, 0, cap, MMU_UNMAP);
}

long exo_protect(uint32_t env, uint32_t cap, uint32_t perms)
{
    return sys_mmu_op(env, 0, cap, MMU_PROTECT | perms);
}

long exo_remap(uint32_t env, uint32_t old, uint32_t cap, uint32_t perms)
{
    return sys_mmu_op(env, old, cap, MMU_REMAP | perms);
}

long exo_page_alloc_map(uint64_t va, bool writable)
{
    long cap = sys_frame_alloc(-1);
    if (cap < 0)
        return cap;
    long r = exo_map(CAP_SELF, (uint32_t)cap, va, writable ? MMU_W : 0);
    if (r < 0) {
        sys_cap_delete((uint32_t)cap);
        return r;
    }
    return cap;
}

uint64_t exo_pte(uint64_t va)
{
    if (!(*PT_WINDOW_PML4E(va) & PTE_P) || !(*PT_WINDOW_PDPTE(va) & PTE_P))
        return 0;
    uint64_t pde = *PT_WINDOW_PDE(va);
    if (!(pde & PTE_P))
        return 0;
    /* A 2 MiB page (a block mapped whole): the entry a 4 KiB page of it
     * would have (its flags, the frame's address). */
    if (pde & PTE_PS)
        return (pde & ~(PTE_PS | 0x000fffffffe00000UL | 0x1000UL)) + (pde & 0x000fffffffe00000UL) +
               (va & 0x1ff000UL);
    return *PT_WINDOW_PTE(va);
}

long exo_spawn(const char *name, uint64_t quota)
{
    size_t n = 0;
    while (name[n])
        n++;
    long env = sys_env_create(quota);
    if (env < 0)
        return env;
    /* Its time slot, and whatever objects it makes, come out of our object
     * quotas as it needs them. */
    long r = sys_env_quota((uint32_t)env, OBJ_ALL, 0, ~0UL, 0);
    if (r >= 0)
        r = sys_env_load((uint32_t)env, name, n);
    if (r >= 0)
        r = sys_slot_alloc((uint32_t)env, -1);
    if (r >= 0)
        r = sys_env_start((uint32_t)env);
    if (r < 0) {
        sys_cap_delete((uint32_t)env);
        return r;
    }
    return env;
}

long exo_wait(uint32_t env, long max_yields)
{
    for (long i = 0; max_yields < 0 || i < max_yields; i++) {
        long s = sys_env_status(env);
        if (s != -E_AGAIN)
            return s;
        sys_yield(-1);
    }
    return -E_AGAIN;
}

long exo_ext_find(uint32_t module, const char *name)
{
    struct ext_prog_info pi;
    for (uint32_t i = 0;; i++) { /* its programs, then its exported functions */
        long r = sys_ext_info(module, i, &pi);
        if (r < 0)
            return r == -E_NOENT ? -E_NOENT : r;
        const char *a = pi.name, *b = name;
        while (*a && *a == *b)
            a++, b++;
        if (*a == 0 && *b == 0)
            return i;
    }
}
