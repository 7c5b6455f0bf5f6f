/* The thread package of the Unix library OS: strands (user-level threads)
 * inside one env, and pthreads-like mutexes, condition variables and
 * semaphores on top of them. See thread.h for the interface.
 *
 * Contexts. Every strand that is not running has its registers in
 * strand->ctx, in the layout of the kernel's struct upcall_frame, so that a
 * context saved by a voluntary switch and one taken from an epilogue upcall
 * frame are resumed the same way (strand_jump, below). A voluntary switch is
 * a function call: only rip, rsp, the callee-saved registers, rflags and
 * the FPU control words (x87 fcw, mxcsr) need saving; the caller-saved ones,
 * xmm0-15 included, are dead by the ABI. A preempted strand may be stopped
 * anywhere, so everything is saved: the general registers come in the
 * upcall frame and the x87/SSE state is saved with fxsave into the strand's
 * own 512-byte area (the upcall frame has only integer registers). This
 * matters: gcc -O2 emits SSE for user code (vectorized loops, struct copies,
 * libc's memset/memcpy), and the kernel keeps no FPU state for us. This file
 * itself is compiled general-regs-only so that the epilogue handler cannot
 * touch an xmm register before it has saved them.
 *
 * Preemption. At the end of each of the env's time slots the kernel sends an
 * epilogue upcall and allows 2 ms to yield. on_epilogue saves the running
 * strand, queues it, yields the slot (sys_yield(-1)) and, when the yield
 * returns at the start of the env's next slot, switches to the strand at the
 * head of the run queue (round robin). No prologue handler is needed: the
 * yield simply returns when the next slot begins.
 *
 * Critical sections. The run queue, the strands and the sync objects are
 * only changed with the "no preemption" counter strand_nopreempt raised
 * (enter()/leave()). When an epilogue finds it raised, the handler still
 * yields the slot at once (so the env never overruns) but resumes the same
 * strand, exactly where it was, in the next slot: the strand finishes its
 * critical section then and is preempted at a later slot end. The counter is
 * per strand in effect: each saved context carries the value to restore
 * (ctx.np: the saver's value for a voluntary switch or a checkpoint, 0 for a
 * preempted strand), and strand_jump sets it while restoring registers.
 * The counter is dropped to the resumed strand's value before that strand's
 * registers are all back, so the restore code itself (strand_jump_begin ..
 * strand_jump_end) is recognized by its address: every jump restores
 * &current->ctx, which stays intact, so an epilogue that lands there treats
 * current as preempted with that context and simply redoes the jump later.
 * The handler also resumes exactly (without switching) when it interrupted
 * another upcall handler (the interrupted rsp is on the exception stack) or
 * libexo's exo_resume, whose state (exo_resume_rip, the frame being
 * restored) must not be reused before it has finished.
 *
 * The handler's own resumes (strand_jump, strand_frame_jump) happen right
 * after its sys_yield, that is at the start of a fresh slot, so no epilogue
 * can interrupt them: the next one is 10 ms away.
 *
 * Limits: one CPU per env (the flag is not an atomic lock); no guard page
 * below a stack (a canary at its bottom is checked when the strand exits);
 * malloc is not thread-safe (wrap calls in strand_preempt_off/on).
 */
#include "thread.h"
#include "../../exo/exo.h"
#include "../../c/libc.h"

/* Everything below is compiled without SSE/x87 instructions (see above). */
#pragma GCC push_options
#pragma GCC target("general-regs-only")

enum { FPU_NONE = 0, FPU_CTRL = 1, FPU_FULL = 2 };
enum wait_kind { WAIT_NONE, WAIT_BLOCK, WAIT_QUEUE, WAIT_JOIN };

#define STACK_CANARY 0x5354524e44535450UL /* checked at the bottom of each stack */
#define XSTACK_SIZE  (16 * 1024)          /* libexo's exception stack (lib/exo/exo.c) */

struct strand {
    uint8_t fx[512] __attribute__((aligned(16))); /* fxsave area of a preempted strand */
    struct strand_ctx ctx;                        /* registers while not running */
    enum strand_state state;
    enum wait_kind wait;   /* while BLOCKED: why */
    struct strand *next;   /* link in the run queue or one wait queue */
    struct strand *joiner; /* the strand waiting in strand_join for this one */
    int detached;
    int wake_pending; /* strand_unblock's token for strand_block */
    void *(*fn)(void *);
    void *arg;
    void *ret; /* strand_exit's value */
    void *mem; /* malloc'd stack with this struct at its top; NULL: main */
    unsigned long id;
};

/* ---- global state (shared with the assembly below) ---- */
struct strand strand_main = {.state = STRAND_RUNNING, .id = 0};
struct strand *strand_current = &strand_main;
volatile uint32_t strand_nopreempt;
uint64_t strand_jump_rip, strand_frame_rip; /* targets of the final indirect jumps */

static struct strand_queue runq;  /* READY strands, FIFO */
static struct strand_queue reapq; /* exited detached strands, freed lazily */
static unsigned long nlive = 1;   /* strands not yet exited (main included) */
static unsigned long next_id = 1;
static int handler_installed;
static struct strand_stats stats;

/* ---- the context switch (assembly) ---- */

/* Offsets into struct strand_ctx; upcall_frame ones as in lib/exo/upcall.S. */
#define C_R15    0
#define C_R14    8
#define C_R13    16
#define C_R12    24
#define C_R11    32
#define C_R10    40
#define C_R9     48
#define C_R8     56
#define C_RBP    64
#define C_RDI    72
#define C_RSI    80
#define C_RDX    88
#define C_RCX    96
#define C_RBX    104
#define C_RAX    112
#define C_RIP    136
#define C_RFLAGS 152
#define C_RSP    160
#define C_NP     192
#define C_FPU    196
#define C_MXCSR  200
#define C_FCW    204
#define C_FX     208
#define C_OWNER  216 /* strand_checkpoint_t.owner */
_Static_assert(__builtin_offsetof(struct strand_ctx, f.r15) == C_R15, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.r8) == C_R8, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.rbp) == C_RBP, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.rax) == C_RAX, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.rip) == C_RIP, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.rflags) == C_RFLAGS, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, f.rsp) == C_RSP, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, np) == C_NP, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, fpu) == C_FPU, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, mxcsr) == C_MXCSR, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, fcw) == C_FCW, "ctx");
_Static_assert(__builtin_offsetof(struct strand_ctx, fx) == C_FX, "ctx");
_Static_assert(__builtin_offsetof(strand_checkpoint_t, owner) == C_OWNER, "ctx");
_Static_assert(FPU_CTRL == 1 && FPU_FULL == 2, "the assembly uses these values");

/* clang-format off */
#define S_(x) #x
#define S(x) S_(x)

/* Saves the caller's context (a function call: callee-saved registers,
 * rflags, FPU control words; rip/rsp as after the return) into the ctx at
 * %rdi; it will resume with rax = 0 and the current nopreempt value. */
#define SAVE_CALLER                                                                                \
    "    mov (%rsp), %rax\n"                                                                       \
    "    mov %rax, " S(C_RIP) "(%rdi)\n"                                                           \
    "    lea 8(%rsp), %rax\n"                                                                      \
    "    mov %rax, " S(C_RSP) "(%rdi)\n"                                                           \
    "    mov %rbx, " S(C_RBX) "(%rdi)\n"                                                           \
    "    mov %rbp, " S(C_RBP) "(%rdi)\n"                                                           \
    "    mov %r12, " S(C_R12) "(%rdi)\n"                                                           \
    "    mov %r13, " S(C_R13) "(%rdi)\n"                                                           \
    "    mov %r14, " S(C_R14) "(%rdi)\n"                                                           \
    "    mov %r15, " S(C_R15) "(%rdi)\n"                                                           \
    "    pushfq\n"                                                                                 \
    "    popq " S(C_RFLAGS) "(%rdi)\n"                                                             \
    "    movq $0, " S(C_RAX) "(%rdi)\n"                                                            \
    "    mov strand_nopreempt(%rip), %eax\n"                                                       \
    "    mov %eax, " S(C_NP) "(%rdi)\n"                                                            \
    "    movl $1, " S(C_FPU) "(%rdi)\n"                                                            \
    "    stmxcsr " S(C_MXCSR) "(%rdi)\n"                                                           \
    "    fnstcw " S(C_FCW) "(%rdi)\n"

/* Restores every general register and rflags from the frame at %rdi and
 * jumps to its rip, through the variable `var`: nothing is written below
 * the target rsp, so an interrupted strand's red zone survives. */
#define RESTORE_AND_JUMP(var)                                                                      \
    "    mov " S(C_RIP) "(%rdi), %rax\n"                                                           \
    "    mov %rax, " var "(%rip)\n"                                                                \
    "    push " S(C_RFLAGS) "(%rdi)\n"                                                             \
    "    popfq\n"                                                                                  \
    "    mov " S(C_RAX) "(%rdi), %rax\n"                                                           \
    "    mov " S(C_RBX) "(%rdi), %rbx\n"                                                           \
    "    mov " S(C_RCX) "(%rdi), %rcx\n"                                                           \
    "    mov " S(C_RDX) "(%rdi), %rdx\n"                                                           \
    "    mov " S(C_RSI) "(%rdi), %rsi\n"                                                           \
    "    mov " S(C_RBP) "(%rdi), %rbp\n"                                                           \
    "    mov " S(C_R8) "(%rdi), %r8\n"                                                             \
    "    mov " S(C_R9) "(%rdi), %r9\n"                                                             \
    "    mov " S(C_R10) "(%rdi), %r10\n"                                                           \
    "    mov " S(C_R11) "(%rdi), %r11\n"                                                           \
    "    mov " S(C_R12) "(%rdi), %r12\n"                                                           \
    "    mov " S(C_R13) "(%rdi), %r13\n"                                                           \
    "    mov " S(C_R14) "(%rdi), %r14\n"                                                           \
    "    mov " S(C_R15) "(%rdi), %r15\n"                                                           \
    "    mov " S(C_RSP) "(%rdi), %rsp\n"                                                           \
    "    mov " S(C_RDI) "(%rdi), %rdi\n"                                                           \
    "    jmp *" var "(%rip)\n"

/* strand_switch(from, to): saves the caller into from, then jumps to to
 *   (which must be &strand_current->ctx: the caller has set strand_current).
 * strand_checkpoint(cp): saves the caller into cp, returns 0.
 * strand_jump(ctx): restores the FPU state as ctx->fpu says, sets
 *   strand_nopreempt to ctx->np and resumes ctx. [strand_jump_begin,
 *   strand_jump_end) is the range the epilogue handler recognizes.
 * strand_frame_jump(frame, np): resumes an upcall frame exactly, FPU left
 *   alone (only called by the epilogue handler at a slot's start). */
__asm__("    .text\n"
        "    .p2align 4\n"
        "    .globl strand_switch\n"
        "strand_switch:\n" SAVE_CALLER "    mov %rsi, %rdi\n"
        "    jmp strand_jump\n"
        "    .p2align 4\n"
        "    .globl strand_checkpoint\n"
        "strand_checkpoint:\n" SAVE_CALLER "    mov strand_current(%rip), %rax\n"
        "    mov %rax, " S(C_OWNER) "(%rdi)\n"
        "    xor %eax, %eax\n"
        "    ret\n"
        "    .p2align 4\n"
        "    .globl strand_jump, strand_jump_begin, strand_jump_end\n"
        "strand_jump_begin:\n"
        "strand_jump:\n"
        "    cmpl $2, " S(C_FPU) "(%rdi)\n"
        "    jne 1f\n"
        "    mov " S(C_FX) "(%rdi), %rax\n"
        "    fxrstor64 (%rax)\n"
        "    jmp 2f\n"
        "1:  cmpl $1, " S(C_FPU) "(%rdi)\n"
        "    jne 2f\n"
        "    ldmxcsr " S(C_MXCSR) "(%rdi)\n"
        "    fldcw " S(C_FCW) "(%rdi)\n"
        "2:  mov " S(C_NP) "(%rdi), %eax\n"
        "    mov %eax, strand_nopreempt(%rip)\n" RESTORE_AND_JUMP("strand_jump_rip")
        "strand_jump_end:\n"
        "    .p2align 4\n"
        "    .globl strand_frame_jump\n"
        "strand_frame_jump:\n"
        "    mov %esi, strand_nopreempt(%rip)\n" RESTORE_AND_JUMP("strand_frame_rip"));

/* clang-format on */

void strand_switch(struct strand_ctx *from, struct strand_ctx *to);
__attribute__((noreturn)) void strand_jump(struct strand_ctx *ctx);
__attribute__((noreturn)) void strand_frame_jump(struct upcall_frame *f, uint32_t np);
extern const char strand_jump_begin[], strand_jump_end[];
/* libexo's exo_resume is followed by exo_pct_entry in lib/exo/upcall.S. */
extern const char exo_pct_entry[];

/* ---- helpers (call with preemption off) ---- */

#define barrier() __asm__ volatile("" ::: "memory")

static inline void enter(void)
{
    strand_nopreempt++;
    barrier();
}

static inline void leave(void)
{
    barrier();
    strand_nopreempt--;
}

static void q_push(struct strand_queue *q, struct strand *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
}

static struct strand *q_pop(struct strand_queue *q)
{
    struct strand *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head)
            q->tail = NULL;
        t->next = NULL;
    }
    return t;
}

static void make_ready(struct strand *t)
{
    t->state = STRAND_READY;
    t->wait = WAIT_NONE;
    q_push(&runq, t);
}

/* Runs the next ready strand. The caller has already put strand_current
 * where it belongs (the run queue, a wait queue, nowhere when it exits) and
 * set its state. Returns when the caller is switched back in; with no strand
 * runnable, gives the env's slots away until one is. */
static void schedule(void)
{
    struct strand *me = strand_current, *next;
    while (!(next = q_pop(&runq))) {
        /* Only an upcall handler could make a strand runnable now: wait. */
        stats.idle_yields++;
        sys_yield(-1);
    }
    next->state = STRAND_RUNNING;
    if (next == me)
        return;
    stats.switches++;
    strand_current = next;
    strand_switch(&me->ctx, &next->ctx);
}

/* Blocks the caller on q until someone makes it ready. */
static void wait_on(struct strand_queue *q)
{
    struct strand *me = strand_current;
    me->state = STRAND_BLOCKED;
    me->wait = WAIT_QUEUE;
    q_push(q, me);
    schedule();
}

static void free_strand(struct strand *t)
{
    if (t->mem)
        free(t->mem);
}

static void reap(void)
{
    struct strand *t;
    while ((t = q_pop(&reapq)))
        free_strand(t);
}

/* ---- the epilogue upcall: preemption ---- */

static void copy_frame(struct upcall_frame *d, const struct upcall_frame *s)
{
    /* A struct copy: rep movsq in this general-regs-only file. */
    *d = *s;
}

static int in_exo_resume(uint64_t rip)
{
    uint64_t b = (uint64_t)exo_resume, e = (uint64_t)exo_pct_entry;
    if (e <= b || e - b > 512) /* upcall.S changed: assume a short routine */
        e = b + 128;
    return rip >= b && rip < e;
}

/* Whether the interrupted context was itself running on libexo's exception
 * stack (another upcall handler): its rsp lies just above our frame there.
 * libexo does not export the stack's bounds, hence XSTACK_SIZE. */
static int on_exception_stack(const struct upcall_frame *f)
{
    return f->rsp > (uint64_t)f && f->rsp - (uint64_t)f <= XSTACK_SIZE;
}

static void on_epilogue(struct upcall_frame *f)
{
    uint32_t np_old = strand_nopreempt;
    strand_nopreempt = np_old + 1;
    barrier();
    struct strand *me = strand_current;
    enum { RESUME, PREEMPT, REDO } how;
    if (f->rip >= (uint64_t)strand_jump_begin && f->rip < (uint64_t)strand_jump_end)
        how = REDO; /* me->ctx is complete: treat it as me's preempted context */
    else if (np_old || in_exo_resume(f->rip) || !runq.head || on_exception_stack(f))
        how = RESUME; /* critical section, another handler, or no one else to run */
    else
        how = PREEMPT;
    if (how == PREEMPT) {
        /* Before anything else can touch them: the x87/SSE registers. */
        __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])me->fx));
        copy_frame(&me->ctx.f, f);
        me->ctx.np = 0;
        me->ctx.fpu = FPU_FULL;
        me->ctx.fx = me->fx;
    }
    if (how == RESUME && np_old)
        stats.deferred++;
    sys_yield(-1); /* returns when the env's next slot begins */
    if (how == RESUME)
        strand_frame_jump(f, np_old);
    stats.preemptions++;
    stats.redone += how == REDO;
    make_ready(me);
    struct strand *next = q_pop(&runq);
    next->state = STRAND_RUNNING;
    if (next != me)
        stats.switches++;
    strand_current = next;
    strand_jump(&next->ctx);
}

/* ---- strands ---- */

__attribute__((noreturn, used)) void strand_start(void);

int strand_create(strand_t *out, size_t stack_size, void *(*fn)(void *), void *arg)
{
    if (!fn || !out)
        return EINVAL;
    if (stack_size == 0)
        stack_size = STRAND_STACK_DEFAULT;
    if (stack_size < 4096 || stack_size > (1UL << 30))
        return EINVAL;
    stack_size = (stack_size + 15) & ~15UL;
    enter();
    reap();
    if (!handler_installed) {
        if (exo_set_handler(UPCALL_EPILOGUE, on_epilogue) < 0) {
            leave();
            return EAGAIN;
        }
        handler_installed = 1;
    }
    /* One allocation: the stack, and the strand at its top. */
    char *mem = malloc(stack_size + sizeof(struct strand));
    if (!mem) {
        leave();
        return EAGAIN;
    }
    struct strand *t = (struct strand *)(mem + stack_size);
    *t = (struct strand){0};
    *(uint64_t *)mem = STACK_CANARY;
    t->mem = mem;
    t->fn = fn;
    t->arg = arg;
    t->id = next_id++;
    /* It starts in strand_start as if called: rsp = 8 mod 16, a null
     * return address on top; preemption off until strand_start drops it.
     * It inherits the creator's FPU control words, as in POSIX. */
    uint64_t *top = (uint64_t *)t;
    top[-1] = 0;
    t->ctx.f.rip = (uint64_t)strand_start;
    t->ctx.f.rsp = (uint64_t)&top[-1];
    t->ctx.f.rflags = 0x202;
    t->ctx.np = 1;
    t->ctx.fpu = FPU_CTRL;
    __asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(t->ctx.mxcsr), "=m"(t->ctx.fcw));
    nlive++;
    stats.created++;
    make_ready(t);
    leave();
    *out = t;
    return 0;
}

/* Where a new strand begins (see strand_create); preemption is off. */
__attribute__((noreturn, used)) void strand_start(void)
{
    struct strand *me = strand_current;
    reap();
    leave();
    strand_exit(me->fn(me->arg));
}

void strand_exit(void *ret)
{
    enter();
    struct strand *me = strand_current;
    if (me->mem && *(uint64_t *)me->mem != STACK_CANARY) {
        printf("strand %lu overflowed its stack\n", me->id);
        sys_exit(126);
    }
    me->ret = ret;
    me->state = STRAND_ZOMBIE;
    if (--nlive == 0)
        sys_exit(0); /* the last strand has exited: so does the program */
    if (me->detached)
        q_push(&reapq, me); /* freed by another strand once we are off this stack */
    else if (me->joiner)
        make_ready(me->joiner);
    schedule();
    __builtin_unreachable(); /* a zombie is never queued again */
}

int strand_join(strand_t t, void **ret)
{
    struct strand *me = strand_current;
    if (!t)
        return ESRCH;
    if (t == me)
        return EDEADLK;
    enter();
    if (t->detached || t->joiner) {
        leave();
        return EINVAL;
    }
    if (t->state != STRAND_ZOMBIE) {
        t->joiner = me;
        me->state = STRAND_BLOCKED;
        me->wait = WAIT_JOIN;
        schedule(); /* strand_exit makes us ready */
    }
    if (ret)
        *ret = t->ret;
    free_strand(t);
    reap();
    leave();
    return 0;
}

int strand_detach(strand_t t)
{
    if (!t)
        return ESRCH;
    enter();
    int r = 0;
    if (t->detached || t->joiner)
        r = EINVAL;
    else if (t->state == STRAND_ZOMBIE)
        free_strand(t);
    else
        t->detached = 1;
    leave();
    return r;
}

strand_t strand_self(void)
{
    return strand_current;
}

int strand_others_ready(void)
{
    return runq.head != NULL;
}

void strand_yield(void)
{
    enter();
    if (runq.head) {
        make_ready(strand_current);
        schedule();
    }
    leave();
}

void strand_block(void)
{
    enter();
    struct strand *me = strand_current;
    if (me->wake_pending) {
        me->wake_pending = 0;
    } else {
        me->state = STRAND_BLOCKED;
        me->wait = WAIT_BLOCK;
        schedule();
    }
    leave();
}

int strand_unblock(strand_t t)
{
    int r = 0;
    enter();
    if (t->state == STRAND_ZOMBIE)
        r = ESRCH;
    else if (t->state == STRAND_BLOCKED && t->wait == WAIT_BLOCK)
        make_ready(t);
    else
        t->wake_pending = 1;
    leave();
    return r;
}

enum strand_state strand_state(strand_t t)
{
    return t->state;
}

int strand_resume(strand_checkpoint_t *cp, long val)
{
    struct strand *t = cp->owner, *me = strand_current;
    if (val == 0)
        val = 1;
    enter();
    if (t == me) { /* a longjmp: current's context becomes the checkpoint */
        me->ctx = cp->ctx;
        me->ctx.f.rax = (uint64_t)val;
        strand_jump(&me->ctx); /* restores the checkpoint's nopreempt count */
    }
    int r = 0;
    if (t->state == STRAND_ZOMBIE)
        r = ESRCH;
    else if (t->state == STRAND_BLOCKED && t->wait != WAIT_BLOCK)
        r = EBUSY; /* it sits in a sync object's or a join's queue */
    else {
        t->ctx = cp->ctx; /* READY or in strand_block: it continues from cp */
        t->ctx.f.rax = (uint64_t)val;
        if (t->state == STRAND_BLOCKED)
            make_ready(t);
    }
    leave();
    return r;
}

void strand_preempt_off(void)
{
    enter();
}
void strand_preempt_on(void)
{
    leave();
}

const volatile struct strand_stats *strand_stats(void)
{
    return &stats;
}

/* ---- pthreads ---- */

int pthread_attr_init(pthread_attr_t *a)
{
    a->stacksize = 0;
    a->detached = PTHREAD_CREATE_JOINABLE;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *a)
{
    (void)a;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *a, size_t size)
{
    if (size < 4096)
        return EINVAL;
    a->stacksize = size;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *a, int state)
{
    if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
        return EINVAL;
    a->detached = state;
    return 0;
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    int r = strand_create(t, attr ? attr->stacksize : 0, fn, arg);
    if (r == 0 && attr && attr->detached)
        strand_detach(*t); /* it has not run yet: it cannot have exited */
    return r;
}

int pthread_join(pthread_t t, void **ret)
{
    return strand_join(t, ret);
}
int pthread_detach(pthread_t t)
{
    return strand_detach(t);
}
void pthread_exit(void *ret)
{
    strand_exit(ret);
}
pthread_t pthread_self(void)
{
    return strand_current;
}
int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

int pthread_yield(void)
{
    strand_yield();
    return 0;
}

int sched_yield(void)
{
    strand_yield();
    return 0;
}

/* Mutexes: owner is the lock; unlock hands it to the first waiter, which
 * wakes up owning it. Call with preemption off. */
static void mutex_acquire(pthread_mutex_t *m)
{
    if (!m->owner)
        m->owner = strand_current;
    else
        wait_on(&m->waiters); /* woken as the owner */
}

static void mutex_release(pthread_mutex_t *m)
{
    struct strand *w = q_pop(&m->waiters);
    m->owner = w;
    if (w)
        make_ready(w);
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    (void)attr;
    *m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    return m->owner || m->waiters.head ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    enter();
    if (m->owner == strand_current) {
        leave();
        return EDEADLK;
    }
    mutex_acquire(m);
    leave();
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    int r = 0;
    enter();
    if (m->owner)
        r = EBUSY;
    else
        m->owner = strand_current;
    leave();
    return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    int r = 0;
    enter();
    if (m->owner != strand_current)
        r = EPERM;
    else
        mutex_release(m);
    leave();
    return r;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    (void)attr;
    *c = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    return c->waiters.head ? EBUSY : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    enter();
    if (m->owner != strand_current) {
        leave();
        return EPERM;
    }
    /* Queue on c and release m in one critical section: no wake-up between
     * the two can be lost. */
    struct strand *me = strand_current;
    me->state = STRAND_BLOCKED;
    me->wait = WAIT_QUEUE;
    q_push(&c->waiters, me);
    mutex_release(m);
    schedule();       /* signal or broadcast made us ready */
    mutex_acquire(m); /* may wait again, on m */
    leave();
    return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
    enter();
    struct strand *w = q_pop(&c->waiters);
    if (w)
        make_ready(w);
    leave();
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    enter();
    struct strand *w;
    while ((w = q_pop(&c->waiters)))
        make_ready(w);
    leave();
    return 0;
}

/* Semaphores: post hands its unit straight to the first waiter. */
int sem_init(sem_t *s, int pshared, unsigned int value)
{
    if (pshared || value > SEM_VALUE_MAX)
        return -1;
    s->value = value;
    s->waiters = (struct strand_queue){0, 0};
    return 0;
}

int sem_destroy(sem_t *s)
{
    return s->waiters.head ? -1 : 0;
}

int sem_wait(sem_t *s)
{
    enter();
    if (s->value > 0)
        s->value--;
    else
        wait_on(&s->waiters); /* woken with the unit */
    leave();
    return 0;
}

int sem_trywait(sem_t *s)
{
    int r = 0;
    enter();
    if (s->value > 0)
        s->value--;
    else
        r = -1; /* EAGAIN */
    leave();
    return r;
}

int sem_post(sem_t *s)
{
    int r = 0;
    enter();
    struct strand *w = q_pop(&s->waiters);
    if (w)
        make_ready(w);
    else if (s->value < SEM_VALUE_MAX)
        s->value++;
    else
        r = -1; /* EOVERFLOW */
    leave();
    return r;
}

int sem_getvalue(sem_t *s, int *value)
{
    *value = (int)s->value;
    return 0;
}

#pragma GCC pop_options
