#include <spinel/layout.h>
/* Jumping into kernel text must fault (supervisor page, user fetch). */
int main(void)
{
    void (*f)(void) = (void (*)(void))KERNEL_TEXT;
    f();
    return 0;
}
