/* The user heap: many sizes, contents kept, memory reused after free. */
#include "../../lib/exo/exo.h"
#include "check.h"

int main(void)
{
    static char *p[200];
    for (int round = 0; round < 3; round++) {
        uint64_t used0 = exo_info->mem_used;
        for (int i = 0; i < 200; i++) {
            size_t n = (size_t)(i * 37 % 3000) + 1;
            p[i] = malloc(n);
            CHECK_EQ(p[i] != NULL, 1);
            CHECK_EQ((uint64_t)p[i] % 16, 0);
            memset(p[i], i & 0xff, n);
        }
        for (int i = 0; i < 200; i++) {
            size_t n = (size_t)(i * 37 % 3000) + 1;
            for (size_t k = 0; k < n; k += 97)
                if ((unsigned char)p[i][k] != (i & 0xff))
                    check_failures++;
        }
        for (int i = 0; i < 200; i += 2)
            free(p[i]);
        for (int i = 1; i < 200; i += 2)
            free(p[i]);
        if (round > 0) /* the second round fits in what the first mapped */
            CHECK_EQ(exo_info->mem_used, used0);
    }
    char *big = malloc(1 << 20);
    CHECK_EQ(big != NULL, 1);
    big[0] = 1, big[(1 << 20) - 1] = 2;
    char *q = realloc(big, 2 << 20);
    CHECK_EQ(q[0] == 1 && q[(1 << 20) - 1] == 2, 1);
    free(q);
    int *z = calloc(1000, sizeof(int));
    for (int i = 0; i < 1000; i++)
        if (z[i])
            check_failures++;
    free(z);
    CHECK_EQ(malloc(0) == NULL, 1);
    CHECK_EQ(malloc((size_t)-1) == NULL, 1);
    printf("t_malloc: %d failed checks\n", check_failures);
    return check_failures;
}
