/* cat [FILES...]: copies the files (or standard input, also for "-") to
 * standard output. Exit status 1 if any file could not be read. */
#include "util.h"

static char buf[4096];

static int copy(int fd, const char *name)
{
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        if (write_all(1, buf, (size_t)r) < 0) {
            fdprintf(2, "cat: write error: %s\n", err_str(errno));
            return -1;
        }
    if (r < 0) {
        fdprintf(2, "cat: %s: %s\n", name, err_str(errno));
        return -1;
    }
    return 0;
}

int main(void)
{
    unix_init("cat");
    char **argv;
    int argc = unix_args(&argv);
    if (argc < 2)
        return copy(0, "stdin") < 0 ? 1 : 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            bad |= copy(0, "stdin") < 0;
            continue;
        }
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fdprintf(2, "cat: %s: %s\n", argv[i], err_str(errno));
            bad = 1;
            continue;
        }
        bad |= copy(fd, argv[i]) < 0;
        close(fd);
    }
    return bad;
}
