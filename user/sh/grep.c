/* grep [-c] [-n] [-q] [-v] [-x] STRING [FILES...]: prints the lines of the
 * files (or of standard input) that contain STRING, a fixed string.
 *   -c  print only the number of matching lines
 *   -n  put the line number before each line
 *   -q  print nothing (the exit status tells)
 *   -v  select the lines that do not match
 *   -x  the whole line must be STRING
 * With several files each line is preceded by "NAME:". Exit status 0 if a
 * line was selected, 1 if none, 2 on an error. */
#include "util.h"

static int opt_c, opt_n, opt_q, opt_v, opt_x;
static const char *pat;

static struct {
    char *s;
    size_t len, cap;
} line;

static int line_add(char c)
{
    if (line.len + 2 > line.cap) {
        size_t cap = line.cap ? line.cap * 2 : 256;
        char *s = malloc(cap);
        if (!s)
            return -1;
        if (line.s) {
            memcpy(s, line.s, line.len);
            free(line.s);
        }
        line.s = s;
        line.cap = cap;
    }
    line.s[line.len++] = c;
    return 0;
}

/* Handles the line collected so far; 1 if it was selected. */
static int do_line(const char *name, long lineno)
{
    if (line_add(0) < 0)
        return 0;
    line.len--;
    int m = opt_x ? strcmp(line.s, pat) == 0 : str_str(line.s, pat) != NULL;
    if (m == opt_v)
        return 0;
    if (!opt_c && !opt_q) {
        char pre[300];
        size_t n = 0;
        if (name)
            n += (size_t)snprintf(pre + n, sizeof pre - n, "%s:", name);
        if (opt_n && n < sizeof pre)
            n += (size_t)snprintf(pre + n, sizeof pre - n, "%ld:", lineno);
        if (n >= sizeof pre)
            n = sizeof pre - 1;
        line.s[line.len] = '\n';
        write_all(1, pre, n);
        write_all(1, line.s, line.len + 1);
    }
    return 1;
}

/* Greps one descriptor; the number of selected lines, or -1 on error. */
static long grep_fd(int fd, const char *name)
{
    static char buf[4096];
    long lineno = 0, count = 0;
    ssize_t r;
    line.len = 0;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != '\n') {
                if (line_add(buf[i]) < 0) {
                    putstr(2, "grep: out of memory\n");
                    return -1;
                }
                continue;
            }
            count += do_line(name, ++lineno);
            line.len = 0;
            if (opt_q && count)
                return count;
        }
    }
    if (r < 0) {
        fdprintf(2, "grep: %s: %s\n", name ? name : "stdin", err_str(errno));
        return -1;
    }
    if (line.len) /* a last line without a newline */
        count += do_line(name, ++lineno);
    if (opt_c) {
        if (name)
            fdprintf(1, "%s:%ld\n", name, count);
        else
            fdprintf(1, "%ld\n", count);
    }
    return count;
}

int main(void)
{
    unix_init("grep");
    char **argv;
    int argc = unix_args(&argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *f = argv[i] + 1; *f; f++) {
            switch (*f) {
            case 'c':
                opt_c = 1;
                break;
            case 'n':
                opt_n = 1;
                break;
            case 'q':
                opt_q = 1;
                break;
            case 'v':
                opt_v = 1;
                break;
            case 'x':
                opt_x = 1;
                break;
            default:
                fdprintf(2, "grep: unknown option -%c\n", *f);
                goto usage;
            }
        }
    }
    if (i >= argc)
        goto usage;
    pat = argv[i++];
    if (i >= argc) {
        long c = grep_fd(0, NULL);
        return c < 0 ? 2 : c ? 0 : 1;
    }
    int many = argc - i > 1, bad = 0;
    long total = 0;
    for (; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fdprintf(2, "grep: %s: %s\n", argv[i], err_str(errno));
            bad = 1;
            continue;
        }
        long c = grep_fd(fd, many ? argv[i] : NULL);
        close(fd);
        if (c < 0)
            bad = 1;
        else
            total += c;
        if (opt_q && total)
            return 0;
    }
    return bad ? 2 : total ? 0 : 1;
usage:
    putstr(2, "usage: grep [-cnqvx] STRING [FILES...]\n");
    return 2;
}
