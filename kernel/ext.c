/* Verified kernel extensions: SPIN's safe extensions, exokernel style.
 *
 * An env downloads an ELF object built with `clang -O2 -target bpf`
 * (sys_ext_load). Every program in it is verified (ext/verifier.c) against
 * the context type of the hook its section names, then compiled to x86-64
 * (ext/jit_x86_64.c) into kernel pages mapped read+execute at EXT_TEXT_BASE
 * (written first through the non-executable direct map, whose alias of the
 * page is then read-only while the code lives: no frame is writable anywhere
 * while it is executable somewhere). The module is a capability. A program
 * is attached, with an optional guard (a verified predicate from the same
 * module), to an event of an env the caller controls (sys_ext_attach): page
 * fault, exception, slot start, or PCT arrival. When the event happens the kernel runs the attached
 * handlers whose guard holds, in the kernel, on that env's behalf; a handler that handles the event
 * (resolves the fault, answers the call) spares the upcall.
 *
 * Safety rests on the verifier: a handler reaches only its context, its
 * stack, the regions the hook grants (its module's state page) and helpers;
 * it terminates within the verifier's instruction budget. Helpers that act
 * (map_frame) check their arguments again at run time.
 *
 * Locking: modules[], handlers[], the arena and the code region are touched
 * only by the one CPU that runs environments today (see cap.c). */
#include "kernel.h"
#include "ext.h"
#include "env.h"
#include "cap.h"
#include "cpu.h"
#include "vm.h"
#include "pmem.h"
#include "uaccess.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/lapic.h"
#include "../ext/bpf_elf.h"
#include "../ext/verifier.h"
#include "../ext/jit_x86_64.h"
#include "../ext/hooks.h"
#include "net.h"
#include <spinel/stat.h>

#define MAX_MODULES    EXT_NMODULES
#define MAX_HANDLERS   EXT_NHANDLERS
#define MAX_CODE_PAGES 64 /* per module */
/* The code region: module i's code lives in its own window of
 * MAX_CODE_PAGES pages at EXT_TEXT_BASE + i * MAX_CODE_PAGES pages, so the
 * space a freed module leaves is the next one's in that entry of modules[]:
 * no allocation, no fragmentation, load/delete cycles run forever. */
#define EXT_TEXT_BASE  0xffffffffc0000000UL           /* JIT code, read+execute */
#define EXT_TEXT_PAGES (MAX_MODULES * MAX_CODE_PAGES) /* 8 MiB of addresses */
#define ARENA_PAGES    1024 /* 4 MiB: object copy, loader arena, verifier */
#define OBJ_BYTES      EXT_MAX_OBJECT
#define LOAD_BYTES     (512 * 1024)

struct ext_prog {
    char name[BPF_ELF_NAME_MAX];
    const struct ext_hook *hook;
    bpf_jit_fn fn;
    u32 len;
    u64 code_bytes;
    u64 state; /* the state page of the module that compiled it (kernel address) */
};

#define MAX_EXPORTS  BPF_ELF_MAX_EXPORTS
#define MAX_COMBINED 32 /* programs of a combined module */

struct ext_module {
    u32 gen; /* bumps on every reuse; object of a CAP_EXT = gen << 8 | index */
    bool used;
    u32 refs;    /* its own capability (1) + combined modules built from it */
    u8 parts[2]; /* a combined module: the modules it joins (0xff: none) */
    u32 nprogs;
    struct ext_prog progs[MAX_COMBINED];
    u32 nexports;
    char exp_name[MAX_EXPORTS][BPF_ELF_NAME_MAX];
    const struct bpf_insn *exp_insns[MAX_EXPORTS]; /* in export_page (or a part's) */
    u32 exp_len[MAX_EXPORTS];
    paddr_t export_page;     /* the exported functions' instructions */
    u64 text_va, text_pages; /* its code, at EXT_TEXT_BASE + ... */
    paddr_t code[MAX_CODE_PAGES];
    paddr_t data_page;          /* .rodata/.data/.bss of the object, one page */
    paddr_t state_page;         /* the EXT_STATE_SIZE region handlers share */
    u64 cost_units, cost_pages; /* what its original costs its holder (ext_cost) */
};

struct ext_handler {
    u32 gen;
    bool used;
    u32 env_id;      /* whose event */
    u32 hook;        /* enum ext_hook_id */
    u32 module;      /* index in modules[] */
    u32 prog, guard; /* program indices; guard == ~0u: none */
    u32 npool;
    u32 pool_node[EXT_MAX_POOL]; /* frame capability nodes (the env's) for map_frame */
    u32 pool_used;               /* bit i: pool entry i has been mapped */
    u64 runs, handled;           /* statistics */
};

u64 ext_wx_checks, ext_wx_bad; /* W^X checks run by loads in test mode, and their findings */
static struct ext_module modules[MAX_MODULES];
static struct ext_handler handlers[MAX_HANDLERS];
static u8 *arena; /* ARENA_PAGES contiguous pages, allocated at boot */

/* The handler being run, for helpers that act on its env (map_frame). */
static struct ext_handler *running;
static struct env *running_env;

/* ---- helpers (the kernel side of ext_helpers[]) ---- */

static u64 h_trace(u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
    (void)a3, (void)a4, (void)a5;
    kprintf("[ext] %.*s\n", (int)MIN(len, 200), (const char *)buf);
    return 0;
}

static u64 h_ktime(u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return tsc_per_ms ? rdtsc() * 1000000 / tsc_per_ms : 0;
}

static u64 rng_state = 0x9e3779b97f4a7c15UL;
static u64 h_random(u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (u32)rng_state;
}

static u64 h_csum(u64 buf, u64 len, u64 seed, u64 a4, u64 a5)
{
    (void)a4, (void)a5;
    const u8 *p = (const u8 *)buf;
    u64 sum = (u32)seed;
    for (u64 i = 0; i + 1 < len; i += 2)
        sum += (u32)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (u32)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (u32)sum;
}

/* map_frame(ctx, va, pool_idx, flags): maps pool frame pool_idx of the
 * running page-fault handler at va in the faulting env, readable (the
 * capability needs R_READ) and writable if flags bit 0 asks and it has
 * R_WRITE. Returns 0 or a negative error; every argument is checked here. */
static u64 h_map_frame(u64 ctx, u64 va, u64 idx, u64 flags, u64 a5)
{
    (void)ctx, (void)a5;
    struct ext_handler *h = running;
    struct env *e = running_env;
    if (!h || h->hook != EXT_HOOK_PAGEFAULT || idx >= h->npool || (h->pool_used >> idx) & 1)
        return (u64)-E_INVAL;
    va = ROUNDDOWN(va, PAGE_SIZE);
    if (va < USER_MIN || va >= USER_MAP_TOP || va == ENV_INFO_VA || vm_walk(e->pml4, va))
        return (u64)-E_INVAL;
    struct capnode *c = cap_node(h->pool_node[idx]);
    if (c->type != CAP_FRAME || c->order || c->owner != e->id || c->mapped_env)
        return (u64)-E_INVAL; /* the env deleted or mapped it meanwhile */
    if (!(c->rights & R_READ))
        return (u64)-E_PERM; /* a user mapping is readable: as sys_mmu_update, R_READ */
    u64 pte = PTE_U | PTE_NX | ((flags & 1) && (c->rights & R_WRITE) ? PTE_W : 0);
    int r = vm_map(e->pml4, va, c->object * PAGE_SIZE, pte, e);
    if (r < 0)
        return (u64)(s64)r;
    c->mapped_env = e->id;
    c->mapped_va = va;
    h->pool_used |= 1u << idx;
    return 0;
}

/* ash_send(ctx, len): the running ASH sends len bytes of its reply buffer
 * (net.c checks it as it checks its env's own frames). */
static u64 h_ash_send(u64 ctx, u64 len, u64 a3, u64 a4, u64 a5)
{
    (void)a3, (void)a4, (void)a5;
    return (u64)(s64)net_ash_send((void *)ctx, len);
}

static u64 h_fill_random(u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
    (void)a3, (void)a4, (void)a5;
    for (u64 i = 0; i < len; i++)
        ((u8 *)buf)[i] = (u8)h_random(0, 0, 0, 0, 0);
    return 0;
}

static const bpf_helper_fn helper_impl[EXT_HELPER_MAX] = {
    [EXT_HELPER_TRACE] = h_trace,
    [EXT_HELPER_KTIME] = h_ktime,
    [EXT_HELPER_RANDOM] = h_random,
    [EXT_HELPER_CSUM] = h_csum,
    [EXT_HELPER_MAP_FRAME] = h_map_frame,
    [EXT_HELPER_ASH_SEND] = h_ash_send,
    [EXT_HELPER_FILL_RANDOM] = h_fill_random,
};

/* Boot: the loader's arena and the page tables of the code region, made
 * once so that loading and unloading modules never grows kernel memory. */
void ext_init(void)
{
    paddr_t pa = frame_alloc_contig(ARENA_PAGES);
    if (!pa)
        panic("ext: no room for the loader arena");
    arena = P2V(pa);
    for (u64 va = EXT_TEXT_BASE; va < EXT_TEXT_BASE + EXT_TEXT_PAGES * PAGE_SIZE; va += 0x200000)
        if (!vm_prepare(kernel_pml4, va))
            panic("ext: no room for the code region's page tables");
}

/* ---- modules ---- */

static void module_put(struct ext_module *m);

/* Frees what the module owns once nothing refers to it. */
static void module_free(struct ext_module *m)
{
    for (u64 p = 0; p < m->text_pages; p++) {
        u64 *pte = vm_walk(kernel_pml4, m->text_va + p * PAGE_SIZE);
        if (pte)
            *pte = 0;
        invlpg(m->text_va + p * PAGE_SIZE);
        /* No longer executable anywhere: writable again through the direct map. */
        vm_direct_protect(m->code[p], false);
        frame_free(m->code[p]);
    }
    if (m->data_page)
        frame_free(m->data_page);
    if (m->state_page)
        frame_free(m->state_page);
    if (m->export_page)
        frame_free(m->export_page);
    u8 parts[2] = {m->parts[0], m->parts[1]};
    u32 gen = m->gen;
    memset(m, 0, sizeof *m);
    m->gen = gen + 1;
    for (int i = 0; i < 2; i++)
        if (parts[i] != 0xff)
            module_put(&modules[parts[i]]);
}

static void module_put(struct ext_module *m)
{
    if (--m->refs == 0)
        module_free(m);
}

/* A module's capability went away: its attachments go, its code stays while
 * combined modules use it. */
static void module_release(struct ext_module *m)
{
    u32 idx = (u32)(m - modules);
    for (int i = 0; i < MAX_HANDLERS; i++)
        if (handlers[i].used && handlers[i].module == idx)
            ext_handler_free(i);
    net_module_gone(idx); /* and its packet filters and handlers */
    module_put(m);
}

static struct ext_module *module_new(void)
{
    for (int i = 0; i < MAX_MODULES; i++) {
        if (!modules[i].used && !modules[i].refs) {
            struct ext_module *m = &modules[i];
            m->used = true;
            m->refs = 1;
            m->parts[0] = m->parts[1] = 0xff;
            return m;
        }
    }
    return NULL;
}

static int refuse(u64 uverdict, u32 prog, u32 insn, const char *section, const char *reason)
{
    struct ext_verdict v;
    memset(&v, 0, sizeof v);
    v.prog = prog;
    v.insn = insn;
    strlcpy(v.reason, reason, sizeof v.reason);
    strlcpy(v.section, section, sizeof v.section);
    if (uverdict && copy_to_user(uverdict, &v, sizeof v) < 0)
        return -E_FAULT;
    return -E_VERIFY;
}

static struct ext_module *module_of(struct capnode *c);

/* sys_ext_load(obj, size, verdict, imports, nimports): see kernel/kcalls.tbl. */
s64 sys_ext_load(u64 uobj, u64 size, u64 uverdict, u64 uimports, u64 nimports)
{
    struct env *e = cpu_env();
    if (size == 0 || size > OBJ_BYTES)
        return -E_RANGE;
    if (uverdict & 7)
        return -E_ALIGN;
    /* Resolve: the exported functions of the modules named in imports. */
    static const char *imp_names[64];
    static const struct bpf_insn *imp_insns[64];
    static u32 imp_lens[64];
    struct bpf_elf_imports imps = {0, imp_names, imp_insns, imp_lens};
    if (nimports > 8)
        return -E_INVAL;
    u32 islots[8];
    if (nimports && copy_from_user(islots, uimports, nimports * sizeof islots[0]) < 0)
        return -E_FAULT;
    for (u64 i = 0; i < nimports; i++) {
        int err;
        struct capnode *ic = cap_get(e, islots[i], &err);
        if (!ic)
            return err;
        struct ext_module *im = module_of(ic);
        if (!im)
            return -E_PERM;
        for (u32 k = 0; k < im->nexports && imps.n < 64; k++) {
            for (u32 j = 0; j < imps.n; j++)
                if (strcmp(imp_names[j], im->exp_name[k]) == 0)
                    return -E_INVAL; /* ambiguous */
            imp_names[imps.n] = im->exp_name[k];
            imp_insns[imps.n] = im->exp_insns[k];
            imp_lens[imps.n++] = im->exp_len[k];
        }
    }
    u8 *obj = arena, *load = arena + OBJ_BYTES, *work = load + LOAD_BYTES;
    size_t work_size = ARENA_PAGES * PAGE_SIZE - OBJ_BYTES - LOAD_BYTES;
    if (copy_from_user(obj, uobj, size) < 0)
        return -E_FAULT;

    static struct bpf_elf_obj o;
    char err[160];
    if (!bpf_elf_load_with(obj, size, load, LOAD_BYTES, &o, err, sizeof err, &imps))
        return refuse(uverdict, 0, 0, "", err);
    if (o.nprogs == 0)
        return refuse(uverdict, 0, 0, "", "no program sections");

    struct ext_module *m = module_new();
    if (!m)
        return -E_NOMEM;
    int slot = -E_NOMEM;

    /* Data sections move to a kernel page of their own: the JIT bakes their
     * addresses into the code. */
    u32 data_bytes = 0;
    for (u32 d = 0; d < o.ndata; d++)
        data_bytes += ROUNDUP(o.data[d].size, 8);
    if (data_bytes > PAGE_SIZE) {
        module_put(m);
        return refuse(uverdict, 0, 0, "", "data sections larger than one page");
    }
    m->data_page = frame_alloc();
    m->state_page = frame_alloc();
    if (!m->data_page || !m->state_page)
        goto fail;
    u8 *data = P2V(m->data_page);
    for (u32 d = 0, off = 0; d < o.ndata; d++) {
        memcpy(data + off, o.data[d].base, o.data[d].size);
        o.data[d].base = data + off;
        off += ROUNDUP(o.data[d].size, 8);
    }

    /* The verifier's work is bounded per load, not per program: the kernel
     * runs it with interrupts off, so one object of 16 costly programs
     * must not cost 16 times the budget. */
    u64 steps_left = EXT_LOAD_MAX_STEPS;
    for (u32 i = 0; i < o.nprogs; i++) {
        struct bpf_prog p;
        bpf_elf_get_prog(&o, i, &p);
        if (!p.hook) {
            module_put(m);
            return refuse(uverdict, i, 0, o.progs[i].name, "no hook has this section name");
        }
        struct bpf_verify_result res;
        memset(&res, 0, sizeof res);
        struct bpf_verify_opts vo = {.max_steps = (u32)steps_left};
        if (!steps_left || !bpf_verify(&p, &vo, work, work_size, &res)) {
            module_put(m);
            if (!steps_left || res.steps >= steps_left)
                return refuse(uverdict, i, steps_left ? res.insn : 0, o.progs[i].name,
                              "verification budget of one load exhausted (EXT_LOAD_MAX_STEPS)");
            return refuse(uverdict, i, res.insn, o.progs[i].name, res.reason);
        }
        steps_left -= MIN(res.steps, steps_left);
        /* Compile into the work area, then copy into fresh code pages. */
        size_t code_size, scratch = BPF_JIT_SCRATCH_SIZE(p.len);
        if (scratch > work_size / 2 ||
            bpf_jit_compile(&p, helper_impl, work + scratch, work_size - scratch, work, scratch,
                            &code_size) != BPF_JIT_OK) {
            module_put(m);
            return refuse(uverdict, i, 0, o.progs[i].name, "the JIT could not compile it");
        }
        u64 pages = ROUNDUP(code_size, PAGE_SIZE) / PAGE_SIZE;
        if (m->text_pages + pages > MAX_CODE_PAGES)
            goto fail;
        m->text_va = EXT_TEXT_BASE + (u64)(m - modules) * MAX_CODE_PAGES * PAGE_SIZE;
        u64 va = m->text_va + m->text_pages * PAGE_SIZE;
        /* Each code page is written through the direct map, whose alias is
         * then made read-only before the page is mapped executable: no frame
         * is ever writable somewhere and executable somewhere else. */
        for (u64 k = 0; k < pages; k++) {
            paddr_t pa = frame_alloc();
            if (!pa)
                goto fail;
            memcpy(P2V(pa), work + scratch + k * PAGE_SIZE,
                   MIN(PAGE_SIZE, code_size - k * PAGE_SIZE));
            if (vm_direct_protect(pa, true) < 0 ||
                vm_map(kernel_pml4, va + k * PAGE_SIZE, pa, PTE_G, NULL) < 0) {
                vm_direct_protect(pa, false);
                frame_free(pa);
                goto fail;
            }
            m->code[m->text_pages++] = pa;
        }
        struct ext_prog *xp = &m->progs[m->nprogs++];
        strlcpy(xp->name, o.progs[i].name, sizeof xp->name);
        xp->hook = p.hook;
        xp->fn = (bpf_jit_fn)va;
        xp->len = p.len;
        xp->code_bytes = code_size;
        xp->state = (u64)P2V(m->state_page);
    }
    /* Its exports, kept for modules that import them. */
    u32 ebytes = 0;
    for (u32 k = 0; k < o.nexports; k++)
        ebytes += o.exports[k].len * 8;
    if (ebytes > PAGE_SIZE)
        goto fail;
    if (o.nexports && !(m->export_page = frame_alloc()))
        goto fail;
    for (u32 k = 0, off = 0; k < o.nexports; k++) {
        memcpy((u8 *)P2V(m->export_page) + off, o.exports[k].insns, o.exports[k].len * 8);
        strlcpy(m->exp_name[k], o.exports[k].name, BPF_ELF_NAME_MAX);
        m->exp_insns[k] = (const struct bpf_insn *)((u8 *)P2V(m->export_page) + off);
        m->exp_len[k] = o.exports[k].len;
        off += o.exports[k].len * 8;
    }
    m->nexports = o.nexports;
    if (boot_test_mode) { /* the test runner's W^X check, while this code lives */
        u64 bad = vm_check_wx();
        if (bad != ~0UL) { /* ~0: no memory to check with */
            ext_wx_checks++;
            ext_wx_bad += bad;
        }
    }
    /* Its pages are charged to the loader's memory quota with its capability
     * (cap_insert, quota.c). */
    m->cost_units = 1;
    m->cost_pages = m->text_pages + 2 + (m->export_page ? 1 : 0);
    slot = cap_insert(e, CAP_EXT, R_GRANT | R_REVOKE | R_CONTROL,
                      (u64)m->gen << 8 | (u64)(m - modules), 0);
    if (slot >= 0)
        return slot;
fail:
    module_put(m);
    return slot < 0 ? slot : -E_NOMEM;
}

/* sys_ext_combine(a, b): see kernel/kcalls.tbl. */
s64 sys_ext_combine(u64 a, u64 b)
{
    struct env *e = cpu_env();
    int err;
    struct capnode *ca = cap_get(e, a, &err), *cb;
    if (!ca)
        return err;
    if (!(cb = cap_get(e, b, &err)))
        return err;
    struct ext_module *ma = module_of(ca), *mb = module_of(cb);
    if (!ma || !mb || !(ca->rights & R_CONTROL) || !(cb->rights & R_CONTROL))
        return -E_PERM;
    if (ma->nprogs + mb->nprogs > MAX_COMBINED || ma->nexports + mb->nexports > MAX_EXPORTS)
        return -E_NOMEM;
    for (u32 i = 0; i < ma->nprogs; i++)
        for (u32 j = 0; j < mb->nprogs; j++)
            if (strcmp(ma->progs[i].name, mb->progs[j].name) == 0)
                return -E_BUSY;
    for (u32 i = 0; i < ma->nexports; i++)
        for (u32 j = 0; j < mb->nexports; j++)
            if (strcmp(ma->exp_name[i], mb->exp_name[j]) == 0)
                return -E_BUSY;
    struct ext_module *m = module_new();
    if (!m)
        return -E_NOMEM;
    struct ext_module *parts[2] = {ma, mb};
    m->cost_units = 1;
    for (int p = 0; p < 2; p++) {
        for (u32 i = 0; i < parts[p]->nprogs; i++)
            m->progs[m->nprogs++] = parts[p]->progs[i];
        for (u32 i = 0; i < parts[p]->nexports; i++) {
            strlcpy(m->exp_name[m->nexports], parts[p]->exp_name[i], BPF_ELF_NAME_MAX);
            m->exp_insns[m->nexports] = parts[p]->exp_insns[i];
            m->exp_len[m->nexports++] = parts[p]->exp_len[i];
        }
        m->parts[p] = (u8)(parts[p] - modules);
        parts[p]->refs++;
        /* It keeps its parts alive: its holder pays for them too. */
        m->cost_units += parts[p]->cost_units;
        m->cost_pages += parts[p]->cost_pages;
    }
    int slot = cap_insert(e, CAP_EXT, R_GRANT | R_REVOKE | R_CONTROL,
                          (u64)m->gen << 8 | (u64)(m - modules), 0);
    if (slot < 0)
        module_put(m);
    return slot;
}

void ext_cost(u64 object, u64 *units, u64 *pages)
{
    struct ext_module *m = &modules[object & 0xff];
    bool live = (object & 0xff) < MAX_MODULES && m->used && m->gen == (u32)(object >> 8);
    *units = live ? m->cost_units : 1;
    *pages = live ? m->cost_pages : 0;
}

static struct ext_module *module_of(struct capnode *c)
{
    if (c->type != CAP_EXT)
        return NULL;
    struct ext_module *m = &modules[c->object & 0xff];
    return m->used && m->gen == (u32)(c->object >> 8) ? m : NULL;
}

/* sys_ext_info(module, prog, out): see kernel/kcalls.tbl. */
s64 sys_ext_info(u64 module, u64 prog, u64 uout)
{
    int err;
    struct capnode *c = cap_get(cpu_env(), module, &err);
    if (!c)
        return err;
    struct ext_module *m = module_of(c);
    if (!m)
        return -E_PERM;
    if (prog >= m->nprogs + m->nexports)
        return -E_NOENT;
    struct ext_prog_info pi;
    memset(&pi, 0, sizeof pi);
    if (prog < m->nprogs) {
        strlcpy(pi.name, m->progs[prog].name, sizeof pi.name);
        pi.hook = (u32)(m->progs[prog].hook - ext_hooks);
        pi.len = m->progs[prog].len;
        pi.code_bytes = m->progs[prog].code_bytes;
    } else { /* an exported function */
        strlcpy(pi.name, m->exp_name[prog - m->nprogs], sizeof pi.name);
        pi.hook = EXT_HOOK_COUNT;
        pi.len = m->exp_len[prog - m->nprogs];
    }
    if (copy_to_user(uout, &pi, sizeof pi) < 0)
        return -E_FAULT;
    return m->nprogs;
}

/* ---- packet programs, for the network (net.c) ---- */

/* Program prog of the module in slot of e (which needs R_CONTROL), for
 * net.c: its hook and code, and a reference on the module that keeps the
 * code alive (even once its capability is gone) until ext_packet_put. */
int ext_packet_get(struct env *e, u64 slot, u64 prog, u32 *hook, u32 *module, ext_fn *fn)
{
    int err;
    struct capnode *c = cap_get(e, slot, &err);
    if (!c)
        return err;
    struct ext_module *m = module_of(c);
    if (!m || !(c->rights & R_CONTROL))
        return -E_PERM;
    if (prog >= m->nprogs)
        return -E_NOENT;
    *hook = (u32)(m->progs[prog].hook - ext_hooks);
    *module = (u32)(m - modules);
    *fn = m->progs[prog].fn;
    m->refs++;
    return 0;
}

void ext_packet_put(u32 module)
{
    module_put(&modules[module]);
}

/* ext_stat_modules: see ext.h. The caller holds the kernel lock (a kernel
 * call), which keeps modules[] and handlers[] still. */
u32 ext_stat_modules(struct stat_module *out, u32 max)
{
    u32 k = 0;
    for (u32 i = 0; i < MAX_MODULES; i++) {
        struct ext_module *m = &modules[i];
        if (!m->used)
            continue;
        if (k < max) {
            struct stat_module *s = &out[k];
            memset(s, 0, sizeof *s);
            s->index = i;
            s->gen = m->gen;
            s->nprogs = m->nprogs;
            for (u32 p = 0; p < m->nprogs; p++)
                s->code_bytes += m->progs[p].code_bytes;
            if (m->nprogs)
                strlcpy(s->prog, m->progs[0].name, sizeof s->prog);
            for (int h = 0; h < MAX_HANDLERS; h++) {
                if (handlers[h].used && handlers[h].module == i) {
                    s->handlers++;
                    s->runs += handlers[h].runs;
                    s->handled += handlers[h].handled;
                }
            }
        }
        k++;
    }
    return k;
}

/* ---- handlers and the event dispatcher ---- */

/* Rebuilds e's list of attached handlers and its mask of hooks. */
static void env_handlers_changed(struct env *e)
{
    e->ext_n = 0;
    e->ext_hooks = 0;
    for (int k = 0; k < MAX_HANDLERS; k++) {
        if (handlers[k].used && handlers[k].env_id == e->id) {
            e->ext_h[e->ext_n++] = (u8)k;
            e->ext_hooks |= 1u << handlers[k].hook;
        }
    }
}

void ext_handler_free(int i)
{
    struct ext_handler *h = &handlers[i];
    struct env *e = env_lookup(h->env_id);
    u32 gen = h->gen;
    memset(h, 0, sizeof *h);
    h->gen = gen + 1;
    if (e)
        env_handlers_changed(e);
}

/* sys_ext_attach(module, prog, guard, env, pool, npool): see kernel/kcalls.tbl. */
s64 sys_ext_attach(u64 module, u64 prog, u64 guard, u64 env, u64 upool, u64 npool)
{
    struct env *e = cpu_env(), *t;
    int err;
    struct capnode *c = cap_get(e, module, &err);
    if (!c)
        return err;
    struct ext_module *m = module_of(c);
    if (!m || !(c->rights & R_CONTROL))
        return -E_PERM;
    if ((err = cap_env(e, env, R_CONTROL, &t)) < 0)
        return err;
    if (prog >= m->nprogs || (guard != ~0UL && guard >= m->nprogs))
        return -E_NOENT;
    if (t->ext_n == sizeof t->ext_h)
        return -E_NOMEM; /* at most 8 handlers per env */
    const struct ext_hook *hook = m->progs[prog].hook;
    u32 hid = (u32)(hook - ext_hooks);
    if (hid != EXT_HOOK_PAGEFAULT && hid != EXT_HOOK_EXCEPTION && hid != EXT_HOOK_TIMER &&
        hid != EXT_HOOK_PCT)
        return -E_INVAL; /* packet programs attach to endpoints: sys_net_attach */
    if (guard != ~0UL && m->progs[guard].hook != hook)
        return -E_INVAL; /* a guard sees the same context as its handler */
    if (npool > EXT_MAX_POOL || (npool && hid != EXT_HOOK_PAGEFAULT))
        return -E_INVAL;
    u32 pool[EXT_MAX_POOL];
    if (npool && copy_from_user(pool, upool, npool * sizeof pool[0]) < 0)
        return -E_FAULT;
    struct ext_handler *h = NULL;
    for (int i = 0; i < MAX_HANDLERS && !h; i++)
        if (!handlers[i].used)
            h = &handlers[i];
    if (!h)
        return -E_NOMEM;
    u32 nodes[EXT_MAX_POOL];
    for (u64 i = 0; i < npool; i++) {
        /* Pool frames are the target env's own, writable, unmapped. */
        struct capnode *f = cap_get(t, pool[i], &err);
        if (!f)
            return err;
        if (f->type != CAP_FRAME || f->order || !(f->rights & R_WRITE) || f->mapped_env)
            return -E_PERM;
        nodes[i] = cap_index(f);
    }
    u32 gen = h->gen;
    memset(h, 0, sizeof *h);
    h->gen = gen;
    h->used = true;
    h->env_id = t->id;
    h->hook = hid;
    h->module = (u32)(m - modules);
    h->prog = (u32)prog;
    h->guard = guard == ~0UL ? ~0u : (u32)guard;
    h->npool = (u32)npool;
    memcpy(h->pool_node, nodes, npool * sizeof nodes[0]);
    int slot =
        cap_insert(e, CAP_HANDLER, R_GRANT | R_REVOKE, (u64)h->gen << 8 | (u64)(h - handlers), 0);
    if (slot < 0) {
        ext_handler_free((int)(h - handlers));
        return slot;
    }
    env_handlers_changed(t);
    return slot;
}

/* Called when a CAP_HANDLER or CAP_EXT original goes away (cap.c). */
void ext_release(u8 type, u64 object)
{
    if (type == CAP_EXT) {
        struct ext_module *m = &modules[object & 0xff];
        if (m->used && m->gen == (u32)(object >> 8))
            module_release(m);
    } else {
        struct ext_handler *h = &handlers[object & 0xff];
        if (h->used && h->gen == (u32)(object >> 8))
            ext_handler_free((int)(object & 0xff));
    }
}

/* e is going away: its events have no handlers any more. */
void ext_forget_env(struct env *e)
{
    if (!e->ext_hooks)
        return;
    for (u32 i = 0; i < e->ext_n; i++)
        ext_handler_free(e->ext_h[i]); /* e is a zombie: its list is not rebuilt */
    e->ext_n = 0;
}

/* Runs the handlers of e for hook on ctx: each one whose guard holds, until
 * one has handled the event: for faults and exceptions, by setting
 * ctx->action to 0 (*action); for calls, by returning nonzero. *state, if
 * given, is the context's pointer to the running module's state page. */
static inline __attribute__((always_inline)) bool
ext_dispatch(struct env *e, u32 hook, void *ctx, const volatile u64 *action, u64 *state)
{
    bool handled = false;
    for (u32 i = 0; i < e->ext_n && !handled; i++) {
        struct ext_handler *h = &handlers[e->ext_h[i]];
        if (h->hook != hook)
            continue;
        const struct ext_prog *progs = modules[h->module].progs, *p = &progs[h->prog];
        if (state)
            *state = p->state;
        running = h;
        running_env = e;
        if (h->guard == ~0u || progs[h->guard].fn(ctx)) {
            h->runs++;
            u64 r = p->fn(ctx);
            handled = action ? *action == 0 : r != 0;
            h->handled += handled;
        }
        running = NULL;
        running_env = NULL;
    }
    return handled;
}

/* ---- the kernel events ---- */

bool ext_page_fault(struct env *e, struct trapframe *tf, u64 addr)
{
    struct ext_pf_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.fault_va = addr;
    ctx.error_code = tf->error;
    ctx.rip = tf->rip;
    ctx.action = 1;
    /* The pool of the first page-fault handler, by frame number. */
    for (u32 i = 0; i < e->ext_n; i++) {
        struct ext_handler *h = &handlers[e->ext_h[i]];
        if (h->hook == EXT_HOOK_PAGEFAULT) {
            for (u32 k = 0; k < h->npool; k++)
                ctx.pool[k] = (h->pool_used >> k) & 1 ? 0 : cap_node(h->pool_node[k])->object;
            ctx.pool_count = h->npool;
            break;
        }
    }
    return ext_dispatch(e, EXT_HOOK_PAGEFAULT, &ctx, &ctx.action, &ctx.state);
}

bool ext_exception(struct env *e, struct trapframe *tf)
{
    struct ext_exc_ctx ctx = {
        .vector = tf->vector,
        .error_code = tf->error,
        .rip = tf->rip,
        .rsp = tf->rsp,
        .rflags = tf->rflags,
        .action = 1,
        .new_rip = tf->rip,
    };
    ext_dispatch(e, EXT_HOOK_EXCEPTION, &ctx, &ctx.action, NULL);
    if (ctx.action != 0 || ctx.new_rip < USER_MIN || ctx.new_rip >= USER_MAP_TOP)
        return false;
    tf->rip = ctx.new_rip;
    return true;
}

bool ext_pct(struct env *callee, struct env *caller, u64 a0, u64 a1, u64 a2, u64 reply[2])
{
    /* Every field set (the rest zero) by one store each: no memset call,
     * and no rep stos, which costs one tick per word plus its setup (state
     * is ext_dispatch's to set before any handler runs). */
    struct ext_pct_ctx ctx;
    ctx.caller_env = caller->id;
    ctx.msg[0] = a0, ctx.msg[1] = a1, ctx.msg[2] = a2;
    ctx.msg[3] = ctx.msg[4] = ctx.msg[5] = 0;
    ctx.reply[0] = ctx.reply[1] = ctx.reply[2] = ctx.reply[3] = ctx.reply[4] = ctx.reply[5] = 0;
    ctx.state = 0;
    if (!ext_dispatch(callee, EXT_HOOK_PCT, &ctx, NULL, &ctx.state))
        return false;
    reply[0] = ctx.reply[0];
    reply[1] = ctx.reply[1];
    return true;
}

u64 ext_slot_start(struct env *e, int pos, u64 quantum_ticks)
{
    struct ext_timer_ctx ctx = {
        .slot = (u64)pos,
        .now_ns = h_ktime(0, 0, 0, 0, 0),
        .quantum_ns = quantum_ticks * (1000000000UL / TIMER_HZ),
        .cpu = (u32)cpu()->id,
        .env_id = e->id,
    };
    ext_dispatch(e, EXT_HOOK_TIMER, &ctx, NULL, NULL);
    u64 ticks = ctx.quantum_ns / (1000000000UL / TIMER_HZ);
    return MAX(1, MIN(ticks, 4 * quantum_ticks)); /* a handler may shorten or stretch its slot */
}
