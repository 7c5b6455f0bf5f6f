/*
 * test_hooks.c - context descriptors agree with the C structures.
 */
#include <stddef.h>

#include "test.h"

static const struct ext_ctx_field *field(const struct ext_hook *h, const char *name)
{
    for (uint32_t i = 0; i < h->nfields; i++)
        if (!strcmp(h->fields[i].name, name))
            return &h->fields[i];
    return NULL;
}

#define FIELD_AT(h, st, f)                                                                         \
    do {                                                                                           \
        const struct ext_ctx_field *x = field(h, #f);                                              \
        t_result("hooks " #st "." #f,                                                              \
                 x && x->off == offsetof(struct st, f) && x->size == sizeof(((struct st *)0)->f),  \
                 "descriptor does not match struct layout");                                       \
    } while (0)

void test_hooks(void)
{
    FIELD_AT(H_PF, ext_pf_ctx, pool);
    FIELD_AT(H_PF, ext_pf_ctx, state);
    FIELD_AT(H_PF, ext_pf_ctx, action);
    FIELD_AT(H_PCT, ext_pct_ctx, reply);
    FIELD_AT(H_DPF, ext_dpf_ctx, data_end);
    FIELD_AT(H_ASH, ext_ash_ctx, reply_len);
    FIELD_AT(H_TIMER, ext_timer_ctx, next_env);
    FIELD_AT(H_EXC, ext_exc_ctx, new_rip);

    t_result("hooks by section name",
             ext_hook_by_section("filter/packet") == H_DPF &&
                 ext_hook_by_section("event/pagefault/x") == H_PF &&
                 ext_hook_by_section("guard/pct") == H_PCT &&
                 ext_hook_by_section("event/pagefaultx") == NULL &&
                 ext_hook_by_section("bogus") == NULL,
             "section name lookup wrong");
    /* Every field lies inside the context and fields do not overlap. */
    bool ok = true;
    for (int h = 0; h < EXT_HOOK_COUNT; h++) {
        const struct ext_hook *hk = &ext_hooks[h];
        for (uint32_t i = 0; i < hk->nfields; i++) {
            const struct ext_ctx_field *a = &hk->fields[i];
            if (a->off + a->size > hk->ctx_size)
                ok = false;
            if (a->kind != EXT_FIELD_SCALAR && a->size != 8)
                ok = false;
            for (uint32_t j = i + 1; j < hk->nfields; j++) {
                const struct ext_ctx_field *b = &hk->fields[j];
                if (a->off < b->off + b->size && b->off < a->off + a->size)
                    ok = false;
            }
        }
    }
    t_result("hooks fields consistent", ok, "field outside ctx, overlapping or bad pointer size");
}
