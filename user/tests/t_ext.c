/* Verified extensions in the kernel: a guarded PCT handler written in C and
 * built with clang answers only the calls its guard admits; a page-fault
 * handler resolves faults from a pool of frames without an upcall; an
 * exception handler skips ud2; programs the verifier refuses are refused by
 * the kernel with its message; handlers cannot reach other envs' memory. */
#include "../../lib/exo/exo.h"
#include "check.h"
#include "pct_regs.h"

#define OBJ(n)                                                                                     \
    extern const char ext_obj_##n[], ext_obj_##n##_end[];                                          \
    static long load_##n(struct ext_verdict *v)                                                    \
    {                                                                                              \
        return sys_ext_load(ext_obj_##n, (uint64_t)(ext_obj_##n##_end - ext_obj_##n), v, NULL, 0); \
    }
OBJ(x_pct)
OBJ(x_pool)
OBJ(x_skip)
OBJ(x_bad_peek)
OBJ(x_bad_oob)
OBJ(x_bad_state)

static volatile int user_faults;
static void on_fault(struct upcall_frame *f)
{
    user_faults++;
    if (exo_page_alloc_map(f->addr & ~4095UL, true) < 0)
        sys_exit(100);
}

#define POOL_VA 0x0000700000000000UL

int main(void)
{
    struct ext_verdict v;

    /* Refused programs: the kernel says which instruction and why. */
    CHECK_EQ(load_x_bad_peek(&v), -E_VERIFY);
    CHECK_EQ(v.insn, 1);
    CHECK_EQ(strstr(v.reason, "scalar used as pointer") != NULL, 1);
    CHECK_EQ(strstr(v.section, "event/pct/peek") != NULL, 1);
    CHECK_EQ(load_x_bad_oob(&v), -E_VERIFY);
    CHECK_EQ(strstr(v.reason, "invalid ctx access") != NULL, 1);
    CHECK_EQ(load_x_bad_state(&v), -E_VERIFY);
    CHECK_EQ(strstr(v.reason, "out of bounds") != NULL, 1);
    printf("t_ext: refused as expected: \"%s\" (insn %u)\n", v.reason, v.insn);
    /* Malformed objects and bad arguments. */
    CHECK_EQ(sys_ext_load("not an ELF object", 17, &v, NULL, 0), -E_VERIFY);
    CHECK_EQ(sys_ext_load(ext_obj_x_pct, 0, &v, NULL, 0), -E_RANGE);
    CHECK_EQ(sys_ext_load(ext_obj_x_pct, EXT_MAX_OBJECT + 1, &v, NULL, 0), -E_RANGE);
    CHECK_EQ(sys_ext_load(NULL, 100, &v, NULL, 0), -E_FAULT);
    CHECK_EQ(sys_ext_load((const void *)KERNEL_TEXT, 100, &v, NULL, 0), -E_FAULT);
    CHECK_EQ(sys_ext_load(ext_obj_x_bad_peek, 632, (struct ext_verdict *)((char *)&v + 4), NULL, 0),
             -E_ALIGN);

    /* A guarded PCT handler on a server env. */
    long mod = load_x_pct(&v);
    CHECK_EQ(mod > 0, 1);
    long guard = exo_ext_find((uint32_t)mod, "guard/pct/small");
    long twice = exo_ext_find((uint32_t)mod, "event/pct/double");
    CHECK_EQ(guard >= 0 && twice >= 0 && guard != twice, 1);
    struct ext_prog_info pi;
    CHECK_EQ(sys_ext_info((uint32_t)mod, (uint32_t)twice, &pi), 2);
    CHECK_EQ(pi.code_bytes > 0, 1);
    CHECK_EQ(sys_ext_info((uint32_t)mod, 7, &pi), -E_NOENT);

    long srv = exo_spawn("t_pct_server", 256);
    long r;
    for (int i = 0; i < 1000 && (r = sys_pct_call((uint32_t)srv, 1, 2, 3)) == -E_INVAL; i++)
        sys_yield(-1);
    CHECK_EQ(r, 35); /* the server's own entry: 3 + 10 + 21 + 1 */
    long hnd = sys_ext_attach((uint32_t)mod, (uint32_t)twice, guard, (uint32_t)srv, NULL, 0);
    CHECK_EQ(hnd > 0, 1);
    uint64_t r1 = 0;
    for (uint64_t i = 1; i <= 20; i++) {
        CHECK_EQ(exo_pct_call2((uint32_t)srv, i, 0, 0, &r1), (long)(2 * i)); /* in the kernel */
        CHECK_EQ(r1, i);                                                     /* state counts */
    }
    CHECK_EQ(sys_pct_call((uint32_t)srv, 500, 1, 2), 500 * 3 + 5 + 14 + 1); /* guard says no */
    /* Hostile attaches. */
    long weakmod = sys_cap_derive((uint32_t)mod, R_GRANT, CAP_SELF);
    CHECK_EQ(sys_ext_attach((uint32_t)weakmod, (uint32_t)twice, -1, (uint32_t)srv, NULL, 0),
             -E_PERM);
    CHECK_EQ(sys_ext_attach((uint32_t)srv, (uint32_t)twice, -1, (uint32_t)srv, NULL, 0), -E_PERM);
    CHECK_EQ(sys_ext_attach((uint32_t)mod, 9, -1, (uint32_t)srv, NULL, 0), -E_NOENT);
    CHECK_EQ(sys_ext_attach((uint32_t)mod, (uint32_t)twice, 9, (uint32_t)srv, NULL, 0), -E_NOENT);
    long nocontrol = sys_cap_derive((uint32_t)srv, R_CALL, CAP_SELF);
    CHECK_EQ(sys_ext_attach((uint32_t)mod, (uint32_t)twice, -1, (uint32_t)nocontrol, NULL, 0),
             -E_PERM);
    uint32_t pool1[1] = {1};
    CHECK_EQ(sys_ext_attach((uint32_t)mod, (uint32_t)twice, -1, (uint32_t)srv, pool1, 1), -E_INVAL);
    /* The registers of a call answered in the kernel (which returns without
     * the frame), of one the guard sends to the server's entry, and of
     * calls the fast path refuses (pct_regs.h). */
    struct pct_regs pr;
    pct_regs((uint32_t)srv, 7, 0, &pr);
    CHECK_EQ(pr.rax, 14);
    CHECK_EQ(pr.rdx, 21); /* the state page's count: 20 calls above, this one */
    CHECK_EQ(pct_regs_kept(&pr), 1);
    CHECK_EQ(pct_regs_cleared(&pr), 1);
    pct_regs((uint32_t)srv, 500, 1, &pr);
    CHECK_EQ(pr.rax, 500 * 3 + 5 + 1);
    CHECK_EQ(pct_regs_kept(&pr), 1);
    CHECK_EQ(pct_regs_cleared(&pr), 1);
    pct_regs((uint32_t)weakmod, 7, 0, &pr); /* not an env */
    CHECK_EQ((long)pr.rax, -E_PERM);
    CHECK_EQ(pct_regs_kept(&pr), 1);
    long nocall = sys_cap_derive((uint32_t)srv, R_CONTROL, CAP_SELF);
    pct_regs((uint32_t)nocall, 7, 0, &pr); /* no R_CALL: the handler is not run */
    CHECK_EQ((long)pr.rax, -E_PERM);
    CHECK_EQ(pct_regs_kept(&pr), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)nocall), 0);
    pct_regs((uint32_t)srv, 8, 0, &pr);
    CHECK_EQ(pr.rax, 16);
    CHECK_EQ(pr.rdx, 22); /* (the refused calls ran no handler) */
    /* Detach: calls go to the server again. */
    CHECK_EQ(sys_cap_delete((uint32_t)hnd), 0);
    CHECK_EQ(sys_pct_call((uint32_t)srv, 1, 2, 3), 35);

    /* A page-fault handler with a pool of our own frames. */
    long pmod = load_x_pool(&v);
    CHECK_EQ(pmod > 0, 1);
    uint32_t pool[4];
    for (int i = 0; i < 4; i++)
        pool[i] = (uint32_t)sys_frame_alloc(-1);
    uint32_t bad_pool[1] = {(uint32_t)mod}; /* not a frame */
    CHECK_EQ(sys_ext_attach((uint32_t)pmod, 0, -1, CAP_SELF, bad_pool, 1), -E_PERM);
    CHECK_EQ(sys_ext_attach((uint32_t)pmod, 0, -1, CAP_SELF, pool, 9), -E_INVAL);
    CHECK_EQ(sys_ext_attach((uint32_t)pmod, 0, -1, CAP_SELF, (const uint32_t *)KERNEL_TEXT, 2),
             -E_FAULT);
    long phnd = sys_ext_attach((uint32_t)pmod, 0, -1, CAP_SELF, pool, 4);
    CHECK_EQ(phnd > 0, 1);
    CHECK_EQ(exo_set_handler(UPCALL_PAGEFAULT, on_fault), 0);
    uint64_t upcalls0 = exo_info->upcalls;
    for (int i = 0; i < 6; i++)
        *(volatile uint64_t *)(POOL_VA + (uint64_t)i * 4096) = (uint64_t)i + 1;
    CHECK_EQ(exo_info->upcalls - upcalls0, 2); /* 4 resolved in the kernel, 2 by us */
    CHECK_EQ(user_faults, 2);
    struct cap_info ci;
    CHECK_EQ(sys_cap_inspect(pool[0], &ci), 0);
    CHECK_EQ(ci.mapped_va >= POOL_VA && ci.mapped_va < POOL_VA + 4 * 4096, 1);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(*(volatile uint64_t *)(POOL_VA + (uint64_t)i * 4096), (uint64_t)i + 1);
    /* A pool frame the env may not read (a copy with R_WRITE only) is not
     * mapped by the handler: the fault goes on to our own handler. */
    CHECK_EQ(sys_cap_delete((uint32_t)phnd), 0);
    long wf = sys_frame_alloc(-1);
    uint32_t wo_pool[1] = {(uint32_t)sys_cap_derive((uint32_t)wf, R_WRITE, CAP_SELF)};
    CHECK_EQ(wo_pool[0] > 0, 1);
    phnd = sys_ext_attach((uint32_t)pmod, 0, -1, CAP_SELF, wo_pool, 1);
    CHECK_EQ(phnd > 0, 1);
    CHECK_EQ(*(volatile uint64_t *)(POOL_VA + 8 * 4096), 0);
    CHECK_EQ(user_faults, 3);
    CHECK_EQ(sys_cap_inspect(wo_pool[0], &ci), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(sys_cap_delete((uint32_t)phnd), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)wf), 0);

    /* An exception handler: ud2 skipped in the kernel, no upcall at all. */
    long smod = load_x_skip(&v);
    long is_ud = exo_ext_find((uint32_t)smod, "event/exception/is_ud");
    long skip = exo_ext_find((uint32_t)smod, "event/exception/skip");
    CHECK_EQ(sys_ext_attach((uint32_t)smod, (uint32_t)skip, is_ud, CAP_SELF, NULL, 0) > 0, 1);
    upcalls0 = exo_info->upcalls;
    for (int i = 0; i < 10; i++)
        __asm__ volatile("ud2");
    CHECK_EQ(exo_info->upcalls, upcalls0);

    /* Deleting a module detaches its handlers. */
    CHECK_EQ(sys_cap_delete((uint32_t)smod), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)pmod), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)mod), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    printf("t_ext: %d failed checks\n", check_failures);
    return check_failures;
}
