/* wc [-c] [-l] [-w] [FILES...]: counts lines, words and bytes of the files
 * (or of standard input). Without flags prints "LINES WORDS BYTES", with
 * flags only the counts asked for (in that order); " NAME" follows for files,
 * and a "total" line when there are several. */
#include "util.h"

static char buf[4096];
static int want_l, want_w, want_c;

struct count {
    long lines, words, bytes;
};

static int count_fd(int fd, struct count *c)
{
    int inword = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        c->bytes += r;
        for (ssize_t i = 0; i < r; i++) {
            char ch = buf[i];
            if (ch == '\n')
                c->lines++;
            int space =
                ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
            if (!space && !inword)
                c->words++;
            inword = !space;
        }
    }
    return r < 0 ? -1 : 0;
}

static void show(const struct count *c, const char *name)
{
    char line[128];
    size_t n = 0;
    long v[3] = {c->lines, c->words, c->bytes};
    int on[3] = {want_l, want_w, want_c};
    for (int i = 0; i < 3; i++)
        if (on[i])
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%ld", n ? " " : "", v[i]);
    if (name)
        fdprintf(1, "%s %s\n", line, name);
    else
        fdprintf(1, "%s\n", line);
}

int main(void)
{
    unix_init("wc");
    char **argv;
    int argc = unix_args(&argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'l')
                want_l = 1;
            else if (*f == 'w')
                want_w = 1;
            else if (*f == 'c')
                want_c = 1;
            else {
                fdprintf(2, "wc: unknown option -%c\nusage: wc [-clw] [FILES...]\n", *f);
                return 2;
            }
        }
    }
    if (!want_l && !want_w && !want_c)
        want_l = want_w = want_c = 1;
    if (i >= argc) {
        struct count c = {0, 0, 0};
        if (count_fd(0, &c) < 0) {
            fdprintf(2, "wc: stdin: %s\n", err_str(errno));
            return 1;
        }
        show(&c, NULL);
        return 0;
    }
    struct count total = {0, 0, 0};
    int bad = 0, nfiles = argc - i;
    for (; i < argc; i++) {
        struct count c = {0, 0, 0};
        int fd = strcmp(argv[i], "-") == 0 ? 0 : open(argv[i], O_RDONLY);
        if (fd < 0 || count_fd(fd, &c) < 0) {
            fdprintf(2, "wc: %s: %s\n", argv[i], err_str(errno));
            bad = 1;
        } else
            show(&c, argv[i]);
        if (fd > 0)
            close(fd);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
    }
    if (nfiles > 1)
        show(&total, "total");
    return bad;
}
