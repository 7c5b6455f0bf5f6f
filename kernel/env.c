/* Environment creation, running and destruction. */
#include "kernel.h"
#include "env.h"
#include "cpu.h"
#include "vm.h"
#include "pmem.h"
#include "spinlock.h"
#include "arch/x86_64/x86.h"

struct env envs[NENV];
/* Protects the state field of every env in envs[] (allocation and freeing). */
static struct spinlock env_lock = SPINLOCK_INIT("envs");

static struct env *env_alloc(void)
{
    spin_lock(&env_lock);
    for (int i = 0; i < NENV; i++) {
        if (envs[i].state == ENV_FREE) {
            struct env *e = &envs[i];
            u32 gen = (e->id >> 8) + 1;
            memset(e, 0, sizeof *e);
            e->id = (gen << 8) | i;
            e->state = ENV_DEAD; /* reserved; becomes RUNNABLE when built */
            spin_unlock(&env_lock);
            return e;
        }
    }
    spin_unlock(&env_lock);
    return NULL;
}

int env_create(const char *name, const u8 *elf, size_t size, struct env **out)
{
    struct env *e = env_alloc();
    if (!e)
        return -E_NOMEM;
    strlcpy(e->name, name, sizeof e->name);
    e->pml4 = vm_new_space();
    if (!e->pml4) {
        env_free(e);
        return -E_NOMEM;
    }
    u64 entry;
    int r = elf_load(e->pml4, elf, size, &entry);
    for (int i = 1; r == 0 && i <= USER_STACK_PAGES; i++) {
        paddr_t pa = frame_alloc();
        if (!pa) {
            r = -E_NOMEM;
            break;
        }
        r = vm_map(e->pml4, USER_STACK_TOP - i * PAGE_SIZE, pa, PTE_U | PTE_W | PTE_NX);
        if (r < 0)
            frame_free(pa);
    }
    if (r < 0) {
        env_free(e);
        return r;
    }
    e->tf.rip = entry;
    e->tf.cs = SEL_UCODE;
    e->tf.ss = SEL_UDATA;
    e->tf.rsp = USER_STACK_TOP;
    e->tf.rflags = RFLAGS_IF | 0x2;
    e->state = ENV_RUNNABLE;
    *out = e;
    return 0;
}

void env_free(struct env *e)
{
    if (e->pml4)
        vm_free_space(e->pml4);
    e->pml4 = 0;
    spin_lock(&env_lock);
    e->state = ENV_FREE;
    spin_unlock(&env_lock);
}

void env_run(struct env *e)
{
    struct cpu *c = cpu();
    assert(e->state == ENV_RUNNABLE);
    e->state = ENV_RUNNING;
    c->env = e;
    vm_switch(e->pml4);
    if (kcontext_save(&c->sched) == 0)
        trap_return_to(&e->tf);
    /* Back here through kcontext_jump() when e stopped. */
    c->env = NULL;
    vm_switch(kernel_pml4);
}

static __noreturn void stop(struct env *e)
{
    e->state = ENV_DEAD;
    kcontext_jump(&cpu()->sched);
}

void env_exit(struct env *e, int status)
{
    e->stop = STOP_EXIT;
    e->exit_status = status;
    ksnprintf(e->why, sizeof e->why, "exit %d", status);
    stop(e);
}

void env_kill(struct env *e, enum env_stop why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    e->stop = why;
    kprintf("[env %x %s] killed: %s\n", e->id, e->name, e->why);
    stop(e);
}
