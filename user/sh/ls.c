/* ls [-a] [-l] [PATHS...]: lists directories (the working directory by
 * default), one name per line, sorted. For a file, prints its name.
 *   -a  also names starting with '.'
 *   -l  long form: "TYPE SIZE NAME", TYPE 'd' (directory) or '-' (file)
 * With several paths, each directory's listing follows a "PATH:" line. */
#include "util.h"

static int opt_a, opt_l;

static void show(const char *dir, const char *name, int isdir_hint)
{
    if (!opt_l) {
        fdprintf(1, "%s\n", name);
        return;
    }
    char path[PATH_MAX + 256];
    if (dir) {
        size_t n = strlen(dir);
        snprintf(path, sizeof path, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    } else
        snprintf(path, sizeof path, "%s", name);
    struct stat st;
    if (stat(path, &st) < 0) {
        fdprintf(1, "%c        ? %s\n", isdir_hint ? 'd' : '-', name);
        return;
    }
    char size[24];
    snprintf(size, sizeof size, "%ld", (long)st.st_size);
    char pad[16];
    size_t k = strlen(size), p = 0;
    for (; k + p < 8 && p < sizeof pad - 1; p++)
        pad[p] = ' ';
    pad[p] = 0;
    fdprintf(1, "%c %s%s %s\n", S_ISDIR(st.st_mode) ? 'd' : '-', pad, size, name);
}

static int list_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        fdprintf(2, "ls: %s: %s\n", path, err_str(errno));
        return -1;
    }
    int n = 0, cap = 0;
    char **names = NULL;
    unsigned char *isdir = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && !opt_a)
            continue;
        if (n == cap) {
            int nc = cap ? cap * 2 : 32;
            char **nn = malloc(sizeof *nn * (size_t)nc);
            unsigned char *nd = malloc((size_t)nc);
            if (!nn || !nd) {
                putstr(2, "ls: out of memory\n");
                closedir(d);
                return -1;
            }
            if (names) {
                memcpy(nn, names, sizeof *nn * (size_t)n);
                memcpy(nd, isdir, (size_t)n);
                free(names);
                free(isdir);
            }
            names = nn;
            isdir = nd;
            cap = nc;
        }
        size_t l = strlen(e->d_name) + 1;
        names[n] = malloc(l);
        if (!names[n])
            break;
        memcpy(names[n], e->d_name, l);
        isdir[n] = e->d_type == DT_DIR;
        n++;
    }
    closedir(d);
    /* insertion sort: directories are small */
    for (int i = 1; i < n; i++) {
        char *s = names[i];
        unsigned char t = isdir[i];
        int j = i - 1;
        for (; j >= 0 && strcmp(names[j], s) > 0; j--) {
            names[j + 1] = names[j];
            isdir[j + 1] = isdir[j];
        }
        names[j + 1] = s;
        isdir[j + 1] = t;
    }
    for (int i = 0; i < n; i++) {
        show(path, names[i], isdir[i]);
        free(names[i]);
    }
    free(names);
    free(isdir);
    return 0;
}

int main(void)
{
    unix_init("ls");
    char **argv;
    int argc = unix_args(&argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'l')
                opt_l = 1;
            else if (*f == 'a')
                opt_a = 1;
            else {
                fdprintf(2, "ls: unknown option -%c\nusage: ls [-al] [PATHS...]\n", *f);
                return 2;
            }
        }
    }
    if (i >= argc) {
        char cwd[PATH_MAX];
        return list_dir(getcwd(cwd, sizeof cwd) ? cwd : "/") < 0 ? 1 : 0;
    }
    int bad = 0, many = argc - i > 1;
    for (int k = i; k < argc; k++) {
        struct stat st;
        if (stat(argv[k], &st) < 0) {
            fdprintf(2, "ls: %s: %s\n", argv[k], err_str(errno));
            bad = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            show(NULL, argv[k], 0);
            continue;
        }
        if (many)
            fdprintf(1, "%s%s:\n", k > i ? "\n" : "", argv[k]);
        bad |= list_dir(argv[k]) < 0;
    }
    return bad;
}
