/* A dynamically linked C program (gcc's default: PIE, libc.so.6 through
 * ld-linux-x86-64.so.2), the first case of the Linux corpus's group dyn:
 * libc's stdio, malloc, qsort and string functions, a file under /tmp,
 * and dlopen of libm.so.6 at run time (the loader maps it then). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    (void)argc;
    printf("hello from %s\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
    const char *words[] = {"pear", "apple", "fig", "kiwi", "banana", "cherry"};
    enum { N = sizeof words / sizeof words[0] };
    char **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++)
        v[i] = strdup(words[i]);
    qsort(v, N, sizeof *v, cmp);
    for (int i = 0; i < N; i++)
        printf("%d %s%s", i, v[i], i + 1 < N ? ", " : "\n");
    long sum = 0;
    for (int i = 0; i < 100000; i++) {
        char *p = malloc((size_t)(i % 512) + 1);
        p[0] = (char)i;
        sum += p[0];
        free(p);
    }
    printf("malloc loop: %ld\n", sum);

    FILE *f = fopen("/tmp/dyn.txt", "w");
    if (!f) {
        perror("fopen");
        return 1;
    }
    for (int i = 1; i <= 1000; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen("/tmp/dyn.txt", "r");
    char line[64], last[64] = "";
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        strcpy(last, line);
    }
    fclose(f);
    unlink("/tmp/dyn.txt");
    printf("read %d lines, last: %s", n, last);

    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (!m) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    double (*cosp)(double) = (double (*)(double))dlsym(m, "cos");
    double (*sqrtp)(double) = (double (*)(double))dlsym(m, "sqrt");
    printf("dlopen libm: cos(0) = %.3f, sqrt(2) = %.6f\n", cosp(0.0), sqrtp(2.0));
    dlclose(m);
    void *bad = dlopen("libnosuch.so.9", RTLD_NOW);
    printf("dlopen libnosuch: %s\n", bad ? "found?" : "not found");
    return 3;
}
