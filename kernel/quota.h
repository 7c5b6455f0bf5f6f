/* Object quotas (quota.c): every kernel object an env can create is charged
 * to the env holding its original capability. */
#ifndef KERNEL_QUOTA_H
#define KERNEL_QUOTA_H

#include "types.h"
#include <spinel/exo.h>

struct env;

/* Whether an original capability of `type` costs its holder object quota
 * (time slots, envs, modules, handlers, notification objects). */
static inline bool quota_counted(u8 type)
{
    return type == CAP_SLOT || type == CAP_ENV || type == CAP_EXT || type == CAP_HANDLER ||
           type == CAP_NOTIFY;
}

/* A new env: a root env (parent 0) gets the whole system's objects. */
void quota_init(struct env *e);
/* Charges e for an original capability of (type, object) about to be put in
 * its table: its object unit(s), and for a module its pages on the memory
 * quota. 0 or -E_NOMEM. */
int quota_charge_cap(struct env *e, u8 type, u64 object);
/* Undoes quota_charge_cap (e may be NULL: nothing to do). */
void quota_uncharge_cap(struct env *e, u8 type, u64 object);
/* e has been torn down: envs whose object quota was to come back to e
 * (their originals were in its table, and they are still in the teardown
 * list) give it to e's own keeper instead, so none is lost. */
void quota_pass_heirs(struct env *e);
/* e ends: its object quota goes back to its keeper (or heir). */
void quota_return(struct env *e);
/* sys_env_replace: e's original of n is dropped without destroying n, which
 * takes e's place (and its quota when e ends). */
void quota_replaced(struct env *e, struct env *n);
/* Keeps env_info's copy of e's quotas true. */
void quota_publish(struct env *e);

#endif
