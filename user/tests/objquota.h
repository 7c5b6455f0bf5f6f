/* What t_objquota and its child share: a page the parent maps at SHARE_VA
 * and gives the child a copy of. */
#include <spinel/exo.h>

#define SHARE_VA 0x0000600000000000UL

struct share {
    volatile uint64_t mode; /* 1: fixed quotas, exhaust them; 2: a credit on ours, exhaust it */
    volatile uint64_t done; /* the child has exhausted every kind and holds it all */
    volatile uint64_t failures;
    volatile uint64_t got[OBJ_KINDS]; /* objects it could make, by kind */
    volatile long err[OBJ_KINDS];     /* ... and the error that stopped it */
};
