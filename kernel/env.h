/* Environments: the unit of protection. An env is an address space plus the
 * saved user state of its one thread of control. (The capability table and
 * upcall entry points arrive with the exokernel interface.) */
#ifndef KERNEL_ENV_H
#define KERNEL_ENV_H

#include "types.h"
#include "trap.h"

#define NENV 64

enum env_state { ENV_FREE = 0, ENV_RUNNABLE, ENV_RUNNING, ENV_DEAD };

/* How an env stopped, for the one that ran it. */
enum env_stop { STOP_NONE, STOP_EXIT, STOP_FAULT, STOP_TIMEOUT };

struct env {
    u32 id; /* index in envs[] + generation << 8; never 0 */
    enum env_state state;
    char name[32];
    paddr_t pml4;
    struct trapframe tf; /* user state while not running */
    u64 deadline;        /* kill after this many timer ticks of the CPU (0: none) */
    enum env_stop stop;  /* filled when it stops */
    int exit_status;
    u64 fault_vector;
    char why[128]; /* human-readable reason it stopped */
};

extern struct env envs[NENV];

/* Creates an env from an ELF image. Returns 0 and *out, or -E_INVAL (not a
 * valid ELF executable for user space) or -E_NOMEM. */
int env_create(const char *name, const u8 *elf, size_t size, struct env **out);
/* Runs e on this CPU until it exits, faults or times out; then returns. */
void env_run(struct env *e);
/* Frees everything e holds. */
void env_free(struct env *e);
/* Called from the trap path: stop the current env and return to env_run's caller. */
void env_exit(struct env *e, int status) __noreturn;
void env_kill(struct env *e, enum env_stop why, const char *fmt, ...) __noreturn
    __attribute__((format(printf, 3, 4)));

int elf_load(paddr_t pml4, const u8 *elf, size_t size, u64 *entry);

#endif
