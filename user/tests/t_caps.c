/* Capabilities under hostile use: forged slot numbers, rights escalation,
 * grants without R_GRANT, revocation of copies in another env, copies of an
 * env capability outliving the env, the derivation depth limit, a full
 * capability table, and stale time-slot capabilities. */
#include "../../lib/exo/exo.h"
#include "check.h"

#define FRAME_RIGHTS (R_READ | R_WRITE | R_EXEC | R_GRANT | R_REVOKE)
#define VA           0x0000300000000000UL

static struct cap_info ci;
static const struct cap_info ro_ci; /* .rodata: not writable */

static long insp(uint32_t slot)
{
    memset(&ci, 0xee, sizeof ci);
    return sys_cap_inspect(slot, &ci);
}

static int used_slots(void)
{
    int n = 0;
    for (uint32_t s = 1; s < NCAPSLOTS; s++)
        if (sys_cap_inspect(s, &ci) == 0)
            n++;
    return n;
}

static long free_frames(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0)
        return -1;
    return (long)si.free_frames;
}

/* A program that just waits, as a child with its own time slot. */
static long spawn_waiter(void)
{
    long e = exo_spawn("t_caps_child", 64);
    CHECK_EQ(e > 0, 1);
    return e;
}

/* Destroys a waiter. Its time-slot capability was in its own table, not
 * ours: no slot capability is left behind here. */
static void kill_waiter(long w)
{
    CHECK_EQ(sys_cap_delete((uint32_t)w), 0);
    int slotcaps = 0;
    for (uint32_t s = 1; s < NCAPSLOTS; s++)
        slotcaps += sys_cap_inspect(s, &ci) == 0 && ci.type == CAP_SLOT;
    CHECK_EQ(slotcaps, 0);
}

/* Slot numbers nobody was given: CAP_SELF where a capability is expected,
 * empty slots, and numbers past the table, also in the upper 32 bits of the
 * register (the kernel must not truncate them). */
static void forged_slots(uint32_t f)
{
    static const uint64_t bad[] = {NCAPSLOTS, NCAPSLOTS + 1,   1UL << 31, 0xffffffffUL,
                                   1UL << 32, (1UL << 32) | 1, ~0UL};
    CHECK_EQ(insp(255), -E_NOENT); /* the table is far from full: 255 is empty */
    CHECK_EQ(sys_cap_inspect(CAP_SELF, &ci), -E_INVAL);
    CHECK_EQ(sys_cap_delete(CAP_SELF), -E_INVAL);
    CHECK_EQ(sys_cap_revoke(CAP_SELF), -E_INVAL);
    CHECK_EQ(sys_cap_derive(CAP_SELF, 0, CAP_SELF), -E_INVAL);
    CHECK_EQ(sys_cap_delete(255), -E_NOENT);
    CHECK_EQ(sys_cap_revoke(255), -E_NOENT);
    CHECK_EQ(sys_cap_derive(255, 0, CAP_SELF), -E_NOENT);
    CHECK_EQ(sys_cap_derive(f, R_READ, 255), -E_NOENT); /* empty destination */
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long b = (long)bad[i];
        CHECK_EQ(exo_syscall6(SYS_cap_inspect, b, (long)&ci, 0, 0, 0, 0), -E_INVAL);
        CHECK_EQ(exo_syscall6(SYS_cap_delete, b, 0, 0, 0, 0, 0), -E_INVAL);
        CHECK_EQ(exo_syscall6(SYS_cap_revoke, b, 0, 0, 0, 0, 0), -E_INVAL);
        CHECK_EQ(exo_syscall6(SYS_cap_derive, b, R_READ, CAP_SELF, 0, 0, 0), -E_INVAL);
        CHECK_EQ(exo_syscall6(SYS_cap_derive, f, R_READ, b, 0, 0, 0), -E_INVAL);
    }
    /* (1 << 32) | f names no slot, even though its low half is f. */
    CHECK_EQ(exo_syscall6(SYS_cap_delete, (long)((1UL << 32) | f), 0, 0, 0, 0, 0), -E_INVAL);
    CHECK_EQ(insp(f), 0);
    /* Rights bits in the upper half are not a subset of anything. */
    CHECK_EQ(exo_syscall6(SYS_cap_derive, f, (long)((1UL << 32) | R_READ), CAP_SELF, 0, 0, 0),
             -E_PERM);
}

/* cap_inspect describes frames, copies and envs; bad output pointers fail. */
static void inspect(uint32_t f)
{
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.rights, FRAME_RIGHTS);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(ci.mapped_env, 0);
    CHECK_EQ(ci.object >= 0x100, 1); /* never below 1 MiB */
    uint64_t pfn = ci.object;
    CHECK_EQ(exo_map(CAP_SELF, f, VA, MMU_W), 1);
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.mapped_va, VA);
    CHECK_EQ(ci.mapped_env, exo_info->id);
    CHECK_EQ(exo_pte(VA) >> 12 & 0xffffffffffUL, pfn);
    CHECK_EQ(exo_unmap(CAP_SELF, f), 1);
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(ci.mapped_env, 0);

    long c = sys_cap_derive(f, R_READ | R_GRANT, CAP_SELF);
    CHECK_EQ(c > 0 && c != (long)f, 1);
    CHECK_EQ(insp((uint32_t)c), 0);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.rights, R_READ | R_GRANT);
    CHECK_EQ(ci.object, pfn);
    CHECK_EQ(ci.depth, 1);
    /* A copy with no rights at all is a subset too, but maps nothing. */
    long z = sys_cap_derive((uint32_t)c, 0, CAP_SELF);
    CHECK_EQ(z > 0, 1);
    CHECK_EQ(insp((uint32_t)z), 0);
    CHECK_EQ(ci.rights, 0);
    CHECK_EQ(ci.depth, 2);
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)z, VA, 0), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)c), 0); /* takes z with it */
    CHECK_EQ(insp((uint32_t)z), -E_NOENT);
    CHECK_EQ(insp(f), 0);

    long e = sys_env_create(16);
    CHECK_EQ(e > 0, 1);
    CHECK_EQ(insp((uint32_t)e), 0);
    CHECK_EQ(ci.type, CAP_ENV);
    CHECK_EQ(ci.rights, R_ALL);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(ci.object != 0 && ci.object != exo_info->id, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)e), 0);

    /* Output pointers: misaligned, NULL, kernel, read-only. */
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)((char *)&ci + 4)), -E_ALIGN);
    CHECK_EQ(sys_cap_inspect(f, NULL), -E_FAULT);
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)KERNEL_TEXT), -E_FAULT);
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)PHYS_MAP_BASE), -E_FAULT);
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)&ro_ci), -E_FAULT);
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)ENV_INFO_VA), -E_FAULT);
    CHECK_EQ(sys_cap_inspect(f, (struct cap_info *)PT_WINDOW_BASE), -E_FAULT);
}

/* Rights only shrink; copying into another env needs R_GRANT on the copy
 * and R_CONTROL on the destination. */
static void rights(uint32_t f)
{
    CHECK_EQ(sys_cap_derive(f, 0x80, CAP_SELF), -E_PERM);   /* unknown bit */
    CHECK_EQ(sys_cap_derive(f, R_CALL, CAP_SELF), -E_PERM); /* an env right */
    CHECK_EQ(sys_cap_derive(f, R_ALL, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_cap_derive(f, ~0U, CAP_SELF), -E_PERM);
    long ro = sys_cap_derive(f, R_READ | R_GRANT | R_REVOKE, CAP_SELF);
    CHECK_EQ(ro > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)ro, R_READ | R_WRITE, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_cap_derive((uint32_t)ro, FRAME_RIGHTS, CAP_SELF), -E_PERM);

    long child = sys_env_create(16);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(child > 0, 1);
    long nogrant = sys_cap_derive(f, R_READ | R_WRITE | R_REVOKE, CAP_SELF);
    CHECK_EQ(nogrant > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)nogrant, R_READ, (uint32_t)child), -E_PERM);
    long n2 = sys_cap_derive((uint32_t)nogrant, R_READ, CAP_SELF); /* own table: fine */
    CHECK_EQ(n2 > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)n2, R_READ, (uint32_t)child), -E_PERM);
    /* Nor can a copy regain R_GRANT from an original that had it. */
    CHECK_EQ(sys_cap_derive((uint32_t)nogrant, R_READ | R_GRANT, CAP_SELF), -E_PERM);
    /* A destination env capability without R_CONTROL, or not an env at all. */
    long callonly = sys_cap_derive((uint32_t)child, R_CALL | R_GRANT, CAP_SELF);
    CHECK_EQ(callonly > 0, 1);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)callonly), -E_PERM);
    CHECK_EQ(sys_cap_derive(f, R_READ, f), -E_PERM);
    /* With R_GRANT and R_CONTROL it works. */
    CHECK_EQ(sys_cap_derive((uint32_t)ro, R_READ, (uint32_t)child) > 0, 1);
    /* An env capability can be narrowed and granted like any other. */
    long ctl = sys_cap_derive((uint32_t)child, R_CONTROL, CAP_SELF);
    CHECK_EQ(ctl > 0, 1);
    CHECK_EQ(sys_cap_derive((uint32_t)ctl, R_CONTROL | R_CALL, CAP_SELF), -E_PERM);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)ctl) > 0, 1);
    /* No R_REVOKE: no revoking. */
    CHECK_EQ(sys_cap_revoke((uint32_t)nogrant), 1); /* has R_REVOKE: its copy n2 */
    CHECK_EQ(insp((uint32_t)n2), -E_NOENT);
    CHECK_EQ(sys_cap_revoke((uint32_t)callonly), -E_PERM);
    CHECK_EQ(sys_cap_revoke((uint32_t)nogrant), 0); /* nothing left below it */
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);   /* takes callonly and ctl */
    CHECK_EQ(insp((uint32_t)callonly), -E_NOENT);
    CHECK_EQ(insp((uint32_t)ctl), -E_NOENT);
    CHECK_EQ(sys_cap_delete((uint32_t)nogrant), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)ro), 0);
    CHECK_EQ(insp(f), 0);
}

/* Revoking reaches copies in another env (a live one) and in our own table,
 * at any depth, unmaps what they mapped, and leaves the original. */
static void revoke(uint32_t f)
{
    long w = spawn_waiter();
    long k1 = sys_cap_derive(f, R_READ | R_GRANT | R_REVOKE, (uint32_t)w);
    long k2 = sys_cap_derive(f, R_READ, (uint32_t)w);
    CHECK_EQ(k1 > 0 && k2 > k1, 1); /* the lowest free slot of the child's table */
    long s1 = sys_cap_derive(f, FRAME_RIGHTS, CAP_SELF);
    long s2 = sys_cap_derive((uint32_t)s1, R_READ | R_WRITE | R_GRANT, CAP_SELF);
    long k3 = sys_cap_derive((uint32_t)s2, R_READ, (uint32_t)w);
    CHECK_EQ(s1 > 0 && s2 > 0 && k3 > k2, 1);
    CHECK_EQ(insp((uint32_t)s2), 0);
    CHECK_EQ(ci.depth, 2);
    /* Map through the second-generation copy. */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)s2, VA, MMU_W), 1);
    *(volatile uint64_t *)VA = 0x5a5a;
    CHECK_EQ(exo_pte(VA) & PTE_P, PTE_P);

    CHECK_EQ(sys_cap_revoke(f), 5);
    CHECK_EQ(insp((uint32_t)s1), -E_NOENT);
    CHECK_EQ(insp((uint32_t)s2), -E_NOENT);
    CHECK_EQ(exo_pte(VA), 0); /* unmapped with the copy */
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.depth, 0);
    CHECK_EQ(ci.rights, FRAME_RIGHTS);
    /* A revoked slot is empty for every call. */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)s2, VA, 0), -E_NOENT);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)s2), -E_NOENT);
    CHECK_EQ(sys_cap_derive((uint32_t)s1, R_READ, CAP_SELF), -E_NOENT);
    CHECK_EQ(sys_cap_revoke((uint32_t)s1), -E_NOENT);
    CHECK_EQ(sys_cap_delete((uint32_t)s2), -E_NOENT);
    /* The child's slots were freed: the next copy reuses the lowest. */
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)w), k1);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)w), k2);
    CHECK_EQ(sys_cap_revoke(f), 2);
    CHECK_EQ(sys_cap_revoke(f), 0);
    /* The frame survived with its contents. */
    CHECK_EQ(exo_map(CAP_SELF, f, VA, 0), 1);
    CHECK_EQ(*(volatile uint64_t *)VA, 0x5a5a);
    CHECK_EQ(exo_unmap(CAP_SELF, f), 1);
    kill_waiter(w);
}

/* Copies of an env capability die with the env; deleting a copy does not
 * destroy the env. */
static void env_copies(uint32_t f)
{
    long before = free_frames();
    long e = sys_env_create(16);
    CHECK_EQ(e > 0, 1);
    long e2 = sys_cap_derive((uint32_t)e, R_CONTROL | R_CALL, CAP_SELF);
    CHECK_EQ(e2 > 0, 1);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)e2) > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)e2), 0);
    CHECK_EQ(sys_env_status((uint32_t)e), -E_AGAIN); /* alive */
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)e) > 0, 1);
    long e3 = sys_cap_derive((uint32_t)e, R_CONTROL, CAP_SELF);
    long e4 = sys_cap_derive((uint32_t)e3, R_CONTROL, CAP_SELF);
    CHECK_EQ(e3 > 0 && e4 > 0, 1);
    CHECK_EQ(sys_cap_delete((uint32_t)e), 0);
    CHECK_EQ(insp((uint32_t)e3), -E_NOENT);
    CHECK_EQ(insp((uint32_t)e4), -E_NOENT);
    CHECK_EQ(sys_env_status((uint32_t)e3), -E_NOENT);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)e3), -E_NOENT);
    CHECK_EQ(sys_cap_revoke(f), 0); /* its copies in e went with e */
    CHECK_EQ(free_frames(), before);

    /* The same with a running env holding copies. */
    before = free_frames();
    long w = spawn_waiter();
    long wc = sys_cap_derive((uint32_t)w, R_CONTROL | R_CALL, CAP_SELF);
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)w) > 0, 1);
    CHECK_EQ(sys_yield(-1), 0); /* let it run and block */
    CHECK_EQ(sys_env_status((uint32_t)wc), -E_AGAIN);
    kill_waiter(w);
    CHECK_EQ(insp((uint32_t)wc), -E_NOENT);
    CHECK_EQ(sys_cap_revoke(f), 0);
    CHECK_EQ(free_frames(), before);
    CHECK_EQ(insp(f), 0);
}

/* An env that has ended (a zombie until its capability is deleted) takes no
 * more capabilities or mappings, but still reports its status. */
static void zombie(uint32_t f)
{
    long before = free_frames();
    long z = exo_spawn("t_exit42", 64);
    CHECK_EQ(z > 0, 1);
    if (z <= 0)
        return;
    long zc = sys_cap_derive((uint32_t)z, R_CONTROL, CAP_SELF);
    CHECK_EQ(exo_wait((uint32_t)z, 100000), ENV_STATUS(ENV_STATUS_EXIT, 42));
    CHECK_EQ(sys_env_status((uint32_t)zc), ENV_STATUS(ENV_STATUS_EXIT, 42));
    CHECK_EQ(sys_cap_derive(f, R_READ, (uint32_t)z), -E_NOENT);
    CHECK_EQ(exo_map((uint32_t)z, f, VA, 0), -E_NOENT);
    CHECK_EQ(insp(f), 0);
    CHECK_EQ(ci.mapped_va, 0);
    CHECK_EQ(sys_cap_revoke(f), 0);
    kill_waiter(z);
    CHECK_EQ(insp((uint32_t)zc), -E_NOENT);
    CHECK_EQ(free_frames(), before);
}

/* Copies of copies: at most CAP_MAX_DEPTH generations. */
static void depth_limit(uint32_t f)
{
    uint32_t cur = f;
    for (uint32_t d = 1; d <= CAP_MAX_DEPTH; d++) {
        long n = sys_cap_derive(cur, R_READ | R_GRANT | R_REVOKE, CAP_SELF);
        CHECK_EQ(n > 0, 1);
        if (n <= 0)
            return;
        CHECK_EQ(insp((uint32_t)n), 0);
        CHECK_EQ(ci.depth, d);
        cur = (uint32_t)n;
    }
    CHECK_EQ(sys_cap_derive(cur, R_READ, CAP_SELF), -E_NOMEM);
    long child = sys_env_create(16);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(sys_cap_derive(cur, R_READ, (uint32_t)child), -E_NOMEM);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_revoke(f), CAP_MAX_DEPTH);
}

/* Fill our table, then another env's, with copies of one capability. */
static void full_table(uint32_t f)
{
    int used = used_slots();
    long first[3] = {0, 0, 0}, r;
    int n = 0;
    while ((r = sys_cap_derive(f, R_READ, CAP_SELF)) > 0) {
        if (n < 3)
            first[n] = r;
        n++;
    }
    CHECK_EQ(r, -E_NOMEM);
    /* Measured full: the table's pages stay until the env ends. */
    long before = free_frames();
    uint64_t mem_used = exo_info->mem_used;
    CHECK_EQ(n, NCAPSLOTS - 1 - used);
    CHECK_EQ(used_slots(), NCAPSLOTS - 1);
    /* Nothing that needs a slot works; everything else does. */
    CHECK_EQ(sys_frame_alloc(-1), -E_NOMEM);
    CHECK_EQ(sys_frame_copy(f), -E_NOMEM);
    CHECK_EQ(sys_env_create(16), -E_NOMEM);
    CHECK_EQ(sys_slot_alloc(CAP_SELF, -1), -E_NOMEM);
    CHECK_EQ(exo_spawn("t_caps_child", 64), -E_NOMEM);
    CHECK_EQ(exo_info->mem_used, mem_used); /* the failures charged nothing */
    CHECK_EQ(free_frames(), before);
    struct sys_info si;
    CHECK_EQ(sys_sysinfo(&si), 0);
    CHECK_EQ(si.env_id, exo_info->id);
    CHECK_EQ(insp(f), 0);
    uint64_t pfn = ci.object;
    CHECK_EQ(insp((uint32_t)first[0]), 0);
    CHECK_EQ(ci.object, pfn);
    /* Free three slots: frames can be had again. */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(sys_cap_delete((uint32_t)first[i]), 0);
    long g = sys_frame_alloc(-1);
    CHECK_EQ(g, first[0]); /* the lowest free slot */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)g, VA, MMU_W), 1);
    *(volatile uint64_t *)VA = 7;
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)g), 1);
    CHECK_EQ(sys_cap_delete((uint32_t)g), 0);
    CHECK_EQ(sys_cap_revoke(f), n - 3);
    CHECK_EQ(used_slots(), used);
    CHECK_EQ(free_frames(), before);

    /* Another env's table: every slot but CAP_SELF (its pages are charged to it). */
    long child = sys_env_create(16 + NCAPSLOTS / CAPS_PER_TABLE_PAGE);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(child > 0, 1);
    n = 0;
    while ((r = sys_cap_derive(f, R_READ, (uint32_t)child)) > 0)
        n++;
    CHECK_EQ(r, -E_NOMEM);
    CHECK_EQ(n, NCAPSLOTS - 1);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_revoke(f), 0);
    CHECK_EQ(free_frames(), before);
}

static void bad_position(long pos)
{
    long r = sys_slot_alloc(CAP_SELF, pos);
    if (r != -E_INVAL) {
        printf("  sys_slot_alloc(CAP_SELF, 0x%lx) = %ld, expected -E_INVAL\n", pos, r);
        check_failures++;
    }
    if (r > 0)
        sys_cap_delete((uint32_t)r);
}

/* Time-slot capabilities: forged positions; the capability lives in the
 * table of the env that runs in the slot, and goes with it. */
static void slot_caps(void)
{
    bad_position(-2);
    bad_position(1L << 20);
    bad_position((1L << 32) + 15); /* the low 32 bits are a valid position */
    bad_position((long)0x8000000000000001UL);

    long s0 = sys_slot_alloc(CAP_SELF, -1);
    CHECK_EQ(s0 > 0, 1);
    CHECK_EQ(insp((uint32_t)s0), 0);
    CHECK_EQ(ci.type, CAP_SLOT);
    CHECK_EQ(ci.rights, R_GRANT | R_REVOKE);
    CHECK_EQ(ci.depth, 0);
    long pos = (long)(ci.object & 0xffff);
    CHECK_EQ(sys_slot_alloc(CAP_SELF, pos), -E_BUSY);
    CHECK_EQ(sys_cap_delete((uint32_t)s0), 0);
    /* Freed: an empty env gets it (the lowest free position). */
    long e1 = sys_env_create(16);
    sys_env_quota((uint32_t)e1, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    CHECK_EQ(e1 > 0, 1);
    long s1 = sys_slot_alloc((uint32_t)e1, -1);
    CHECK_EQ(s1 > 0, 1);
    CHECK_EQ(sys_slot_alloc(CAP_SELF, pos), -E_BUSY);
    CHECK_EQ(sys_slot_alloc((uint32_t)e1, pos), -E_BUSY);
    /* Destroying the env frees its time slot. */
    CHECK_EQ(sys_cap_delete((uint32_t)e1), 0);
    long s2 = sys_slot_alloc(CAP_SELF, pos);
    CHECK_EQ(s2 > 0, 1);
    if (s2 > 0)
        CHECK_EQ(sys_cap_delete((uint32_t)s2), 0);

    /* Into a full table: no capability, and no time slot lost. */
    long child = sys_env_create(16);
    sys_env_quota((uint32_t)child, OBJ_ALL, 0, ~0UL, 0); /* objects: drawn from ours */
    long f = sys_frame_alloc(-1);
    CHECK_EQ(child > 0 && f > 0, 1);
    long r;
    while ((r = sys_cap_derive((uint32_t)f, R_READ, (uint32_t)child)) > 0)
        ;
    CHECK_EQ(sys_slot_alloc((uint32_t)child, -1), -E_NOMEM);
    CHECK_EQ(sys_slot_alloc((uint32_t)child, pos), -E_NOMEM);
    s2 = sys_slot_alloc(CAP_SELF, -1);
    CHECK_EQ(insp((uint32_t)s2), 0);
    CHECK_EQ((long)(ci.object & 0xffff), pos);
    CHECK_EQ(sys_cap_delete((uint32_t)s2), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)child), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
}

int main(void)
{
    long f = sys_frame_alloc(-1);
    CHECK_EQ(f > 0, 1);
    if (f <= 0)
        return 1;
    /* The page tables for VA stay once made: make them before counting. */
    CHECK_EQ(exo_map(CAP_SELF, (uint32_t)f, VA, 0), 1);
    CHECK_EQ(exo_unmap(CAP_SELF, (uint32_t)f), 1);
    long start_free = free_frames() + 1;
    uint64_t start_mem = exo_info->mem_used - 1;
    int start_used = used_slots() - 1;
    forged_slots((uint32_t)f);
    inspect((uint32_t)f);
    rights((uint32_t)f);
    revoke((uint32_t)f);
    env_copies((uint32_t)f);
    zombie((uint32_t)f);
    depth_limit((uint32_t)f);
    full_table((uint32_t)f);
    slot_caps();
    CHECK_EQ(sys_cap_delete((uint32_t)f), 0);
    CHECK_EQ(used_slots(), start_used);
    /* Everything came back but the capability table's pages, which stay. */
    uint64_t grown = exo_info->mem_used - start_mem;
    CHECK_EQ(grown <= NCAPSLOTS / CAPS_PER_TABLE_PAGE, 1);
    CHECK_EQ(free_frames(), start_free - (long)grown);
    printf("t_caps: %d failed checks\n", check_failures);
    return check_failures;
}
