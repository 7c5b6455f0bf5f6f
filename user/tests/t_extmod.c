/* SPIN's module operations on verified extensions: create (load and
 * verify; exports), resolve (imports bound to another module's exports,
 * with the verifier checking each call against what the function does),
 * combine (a module whose exports are the union of two). */
#include "../../lib/exo/exo.h"
#include "check.h"

#define OBJ(n)                                                                                     \
    extern const char ext_obj_##n[], ext_obj_##n##_end[];                                          \
    static long load_##n(struct ext_verdict *v, const uint32_t *imp, uint64_t nimp)                \
    {                                                                                              \
        return sys_ext_load(ext_obj_##n, (uint64_t)(ext_obj_##n##_end - ext_obj_##n), v, imp,     \
                            nimp);                                                                 \
    }
OBJ(x_lib)
OBJ(x_user)
OBJ(x_user_bad)
OBJ(x_other)

int main(void)
{
    struct ext_verdict v;
    struct sys_info si0;
    sys_sysinfo(&si0);

    /* create: the library's exports are visible. */
    long lib = load_x_lib(&v, NULL, 0);
    CHECK_EQ(lib > 0, 1);
    struct ext_prog_info pi;
    long nprogs = sys_ext_info((uint32_t)lib, 0, &pi);
    CHECK_EQ(nprogs, 1);
    CHECK_EQ(sys_ext_info((uint32_t)lib, 1, &pi), 1);
    CHECK_EQ(pi.hook, 6 /* EXT_HOOK_COUNT: an exported function */);
    CHECK_EQ(exo_ext_find((uint32_t)lib, "triple") >= 1, 1);
    CHECK_EQ(exo_ext_find((uint32_t)lib, "peek") >= 1, 1);

    /* resolve: unresolved without the library, bound with it. */
    CHECK_EQ(load_x_user(&v, NULL, 0), -E_VERIFY);
    CHECK_EQ(strstr(v.reason, "unresolved import") != NULL, 1);
    uint32_t imp[1] = {(uint32_t)lib};
    long user = load_x_user(&v, imp, 1);
    CHECK_EQ(user > 0, 1);
    /* ... and the signature check: peek() given a number is refused. */
    CHECK_EQ(load_x_user_bad(&v, imp, 1), -E_VERIFY);
    printf("t_extmod: refused as expected: \"%s\" (insn %u)\n", v.reason, v.insn);
    uint32_t bad_imp[1] = {300};
    CHECK_EQ(load_x_user(&v, bad_imp, 1), -E_NOENT);
    long frame = sys_frame_alloc(-1);
    bad_imp[0] = (uint32_t)frame;
    CHECK_EQ(load_x_user(&v, bad_imp, 1), -E_PERM);
    uint32_t twice[2] = {(uint32_t)lib, (uint32_t)lib};
    CHECK_EQ(load_x_user(&v, twice, 2), -E_INVAL); /* ambiguous names */
    CHECK_EQ(load_x_user(&v, imp, 9), -E_INVAL);

    /* The resolved program runs: a server's calls answered in the kernel. */
    long srv = exo_spawn("t_caps_child", 64); /* any env: it just sleeps */
    long prog = exo_ext_find((uint32_t)user, "event/pct/triple");
    CHECK_EQ(sys_ext_attach((uint32_t)user, (uint32_t)prog, -1, (uint32_t)srv, NULL, 0) > 0, 1);
    uint64_t r1 = 0;
    CHECK_EQ(exo_pct_call2((uint32_t)srv, 14, 0, 0, &r1), 42);
    CHECK_EQ(r1, 7);

    /* combine: the union of two modules; parts live on while it does. */
    long other = load_x_other(&v, NULL, 0);
    long both = sys_ext_combine((uint32_t)user, (uint32_t)other);
    CHECK_EQ(both > 0, 1);
    CHECK_EQ(sys_ext_info((uint32_t)both, 0, &pi), 2); /* two programs */
    CHECK_EQ(sys_ext_combine((uint32_t)user, (uint32_t)user), -E_BUSY);
    CHECK_EQ(sys_ext_combine((uint32_t)user, (uint32_t)frame), -E_PERM);
    CHECK_EQ(sys_cap_delete((uint32_t)other), 0); /* only the combined one now */
    long neg = exo_ext_find((uint32_t)both, "event/pct/negate");
    CHECK_EQ(neg >= 0, 1);
    long srv2 = exo_spawn("t_caps_child", 64);
    CHECK_EQ(sys_ext_attach((uint32_t)both, (uint32_t)neg, -1, (uint32_t)srv2, NULL, 0) > 0, 1);
    CHECK_EQ(sys_pct_call((uint32_t)srv2, 5, 0, 0), -5);

    /* The dispatcher: one program on several events (many-to-one: it now
     * serves srv too), several handlers on one event (one-to-many: the
     * first whose guard holds and that handles it ends the dispatch). */
    CHECK_EQ(sys_ext_attach((uint32_t)both, (uint32_t)neg, -1, (uint32_t)srv, NULL, 0) > 0, 1);
    long r = sys_pct_call((uint32_t)srv, 5, 0, 0);
    CHECK_EQ(r == 15 || r == -5, 1); /* either handler may come first */
    long guardlib = exo_ext_find((uint32_t)lib, "guard/pct/always");
    CHECK_EQ(guardlib >= 0, 1);

    /* Everything goes with the capabilities. */
    CHECK_EQ(sys_cap_delete((uint32_t)both), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)user), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)lib), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)srv), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)srv2), 0);
    CHECK_EQ(sys_cap_delete((uint32_t)frame), 0);
    printf("t_extmod: %d failed checks\n", check_failures);
    return check_failures;
}
