/* Exceptions reach a user handler and resume in user mode: ud2, int3,
 * divide error, a general protection fault; every register survives. */
#include "../../lib/exo/exo.h"
#include "check.h"

static volatile int count[32];

static void on_exception(struct upcall_frame *f)
{
    count[f->vector & 31]++;
    if (f->vector == 6)
        f->rip += 2; /* skip ud2 */
    else if (f->vector == 0)
        f->rip += 2; /* skip div %ecx (f7 f1) */
    else if (f->vector == 13)
        f->rip += 1; /* skip hlt */
    /* int3 (#BP) is a trap: rip already points past it. */
}

int main(void)
{
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, on_exception), 0);
    for (int i = 0; i < 100; i++)
        __asm__ volatile("ud2");
    CHECK_EQ(count[6], 100);
    __asm__ volatile("int3");
    CHECK_EQ(count[3], 1);
    __asm__ volatile("hlt");
    CHECK_EQ(count[13], 1);
    unsigned eax = 7, edx = 0, ecx = 0;
    __asm__ volatile("div %%ecx" : "+a"(eax), "+d"(edx) : "c"(ecx));
    CHECK_EQ(count[0], 1);

    /* All general registers survive a round trip through the handler. */
    register unsigned long r8 __asm__("r8") = 0x0808080808080808UL;
    register unsigned long r9 __asm__("r9") = 0x0909090909090909UL;
    register unsigned long r10 __asm__("r10") = 0x1010101010101010UL;
    register unsigned long r11 __asm__("r11") = 0x1111111111111111UL;
    register unsigned long r12 __asm__("r12") = 0x1212121212121212UL;
    register unsigned long r13 __asm__("r13") = 0x1313131313131313UL;
    register unsigned long r14 __asm__("r14") = 0x1414141414141414UL;
    register unsigned long r15 __asm__("r15") = 0x1515151515151515UL;
    unsigned long rax = 0xaaaaaaaaaaaaaaaaUL, rbx = 0xbbbbbbbbbbbbbbbbUL;
    unsigned long rcx = 0xccccccccccccccccUL, rdx = 0xddddddddddddddddUL;
    unsigned long rsi = 0x5151515151515151UL, rdi = 0xd1d1d1d1d1d1d1d1UL;
    __asm__ volatile("ud2"
                     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8),
                       "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                     :
                     : "memory");
    CHECK_EQ(rax, 0xaaaaaaaaaaaaaaaaUL);
    CHECK_EQ(rbx, 0xbbbbbbbbbbbbbbbbUL);
    CHECK_EQ(rcx, 0xccccccccccccccccUL);
    CHECK_EQ(rdx, 0xddddddddddddddddUL);
    CHECK_EQ(rsi, 0x5151515151515151UL);
    CHECK_EQ(rdi, 0xd1d1d1d1d1d1d1d1UL);
    CHECK_EQ(r8, 0x0808080808080808UL);
    CHECK_EQ(r9, 0x0909090909090909UL);
    CHECK_EQ(r10, 0x1010101010101010UL);
    CHECK_EQ(r11, 0x1111111111111111UL);
    CHECK_EQ(r12, 0x1212121212121212UL);
    CHECK_EQ(r13, 0x1313131313131313UL);
    CHECK_EQ(r14, 0x1414141414141414UL);
    CHECK_EQ(r15, 0x1515151515151515UL);
    CHECK_EQ(count[6], 101);
    CHECK_EQ(exo_info->upcalls, 104);

    /* Without a handler the next fault is fatal again. */
    CHECK_EQ(exo_set_handler(UPCALL_EXCEPTION, 0), 0);
    printf("t_upcall: %d failed checks\n", check_failures);
    if (check_failures)
        return check_failures;
    __asm__ volatile("ud2");
    return 99;
}
