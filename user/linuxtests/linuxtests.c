/* linuxtests: the in-guest runner of the Linux test corpus (issue 12,
 * docs/testing.md). For each case of /bin/linux-corpus/manifest (written by
 * tools/linux/cases.sh: NAME EXPECTED STATUS ARGV...) it runs ARGV, an unmodified
 * Linux program (Debian's busybox with a script, or a static C program), as
 * a child process of the Unix library OS: cwd /, stdin /dev/null, stdout and
 * stderr into one pipe. It compares what the pipe carried and the exit status,
 * byte for byte, with what tools/linux/record.sh recorded on Linux
 * (/bin/linux-corpus/EXPECTED.out, and STATUS), and prints one PASS or FAIL
 * line per case (with the first difference), then "linux: N passed, M
 * failed". Exit status: 0 if every case passed, else 1.
 *
 *   linuxtests              every case
 *   linuxtests NAME...      only these (sh/arith, c/musl/c_files, or a prefix: sh/ c/)
 *
 * Files that the commands name under /tests/linux/ (the scripts) are copied
 * there first from /bin/linux-corpus/, where the boot image puts them. Each
 * case starts with an empty /tmp. A case that runs longer than its time
 * limit is killed with every process it started, and fails. */
#include "../../lib/c/libc.h"
#include "../../lib/exo/exo.h"
#include "../../lib/unix/unix.h"

#define IMAGE_DIR   "/bin/linux-corpus/"
#define COPY_PREFIX "/tests/linux/"
#define MAX_ARGS    32
#define OUT_MAX     (256 * 1024) /* output kept per case; more fails the case */
#define CASE_SECS   120          /* time limit of one case */

static char out[OUT_MAX + 1];

/* Milliseconds since boot (the kernel's timer). */
static uint64_t now_ms(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0 || si.timer_hz == 0)
        return 0;
    return si.ticks * 1000 / si.timer_hz;
}

/* The whole file at path into a fresh malloc'd buffer (NUL-terminated);
 * its length in *len. NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size < 0) {
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = 0;
    long r = 0;
    while (buf && n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
        n += (size_t)r;
    close(fd);
    if (!buf || r < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Creates every directory on the way to the file path (like mkdir -p of its
 * dirname); says why if one cannot be made. */
static void make_parents(const char *path)
{
    char p[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof p)
        return;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (p[i] != '/')
            continue;
        p[i] = 0;
        struct stat st;
        if (stat(p, &st) < 0 && mkdir(p, 0755) < 0)
            printf("linuxtests: cannot make %s (errno %d)\n", p, errno);
        p[i] = '/';
    }
}

/* Copies IMAGE_DIR + rel to COPY_PREFIX + rel unless it is there; 0 or -1. */
static int copy_in(const char *rel)
{
    char src[PATH_MAX], dst[PATH_MAX];
    snprintf(src, sizeof src, "%s%s", IMAGE_DIR, rel);
    snprintf(dst, sizeof dst, "%s%s", COPY_PREFIX, rel);
    struct stat st;
    if (stat(dst, &st) == 0)
        return 0;
    size_t len;
    char *data = slurp(src, &len);
    if (!data) {
        printf("linuxtests: cannot read %s (errno %d)\n", src, errno);
        return -1;
    }
    make_parents(dst);
    errno = 0;
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long w = fd >= 0 ? write(fd, data, len) : -1;
    if (fd >= 0)
        close(fd);
    free(data);
    if (w != (long)len) {
        printf("linuxtests: cannot write %s (errno %d)\n", dst, errno);
        return -1;
    }
    return 0;
}

/* Removes everything below directory path (not path itself); returns how
 * many entries it removed. Names are gathered before any is removed, a
 * batch at a time, so the listing never changes under readdir. */
static int empty_dir(const char *path, int depth)
{
    int removed = 0;
    for (;;) {
        static char names[8][16][256]; /* a batch per depth (recursion below) */
        uint8_t types[16];
        int n = 0;
        DIR *d = opendir(path);
        if (!d)
            return removed;
        struct dirent *e;
        while (n < 16 && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            strcpy(names[depth][n], e->d_name);
            types[n++] = e->d_type;
        }
        closedir(d);
        if (n == 0)
            return removed;
        int progress = 0;
        for (int i = 0; i < n; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", path, names[depth][i]);
            if (types[i] == DT_DIR && depth + 1 < 8)
                removed += empty_dir(p, depth + 1);
            if ((types[i] == DT_DIR ? rmdir(p) : unlink(p)) == 0) {
                removed++;
                progress = 1;
            }
        }
        if (!progress)
            return removed; /* (what is left cannot be removed) */
    }
}

/* Kills pid and every process below it in the process table (a case's
 * background jobs too), children first. */
static void kill_tree(pid_t pid)
{
    struct proc_info pi;
    for (int i = 0; i < NPROC; i++)
        if (proc_get(i, &pi) == 0 && pi.state == PROC_RUNNING && pi.ppid == pid && pi.pid != pid)
            kill_tree(pi.pid);
    kill(pid, SIGKILL);
}

/* The case's child: cwd /, stdin /dev/null, stdout and stderr to fd out;
 * then the program. */
static void start_program(char **argv, int outfd)
{
    chdir("/");
    int in = open("/dev/null", O_RDONLY);
    if (in < 0) {
        /* No /dev/null: an empty pipe reads as end of file too. */
        int q[2];
        if (pipe(q) == 0) {
            close(q[1]);
            in = q[0];
        }
    }
    if (in >= 0 && in != 0) {
        dup2(in, 0);
        close(in);
    }
    dup2(outfd, 1);
    dup2(outfd, 2);
    if (outfd > 2)
        close(outfd);
    execv(argv[0], argv);
    char msg[160];
    int n = snprintf(msg, sizeof msg, "linuxtests: cannot run %s (errno %d)\n", argv[0], errno);
    write(2, msg, (size_t)n);
    exit(127);
}

/* What the supervisor tells the runner. */
struct verdict {
    int status;    /* the program's wait status */
    int timed_out; /* it was killed after CASE_SECS */
};

/* The supervisor: starts the program, waits for it (killing it and what it
 * started after CASE_SECS), and writes its verdict to fd vfd. It reaps the
 * program while the runner reads the output pipe: the library OS releases a
 * dead process's descriptors (its end of the pipe) when its parent reaps it,
 * so the runner, blocked reading, could not do both. */
static void supervise(char **argv, int outfd, int vfd)
{
    pid_t pid = fork();
    if (pid == 0) {
        close(vfd);
        start_program(argv, outfd);
    }
    close(outfd);
    struct verdict v = {-1, 0};
    if (pid < 0)
        exit(1);
    uint64_t t0 = now_ms();
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            v.status = st;
            break;
        }
        if (r < 0)
            break;
        if (!v.timed_out && now_ms() - t0 > CASE_SECS * 1000UL) {
            kill_tree(pid);
            v.timed_out = 1;
        }
        usleep(20000);
    }
    write(vfd, &v, sizeof v);
    exit(0);
}

/* Runs argv (through a supervisor) with its output in out (*outlen,
 * *overflow); its verdict in *v. Returns 0, or -1 if it could not start. */
static int run_case(char **argv, size_t *outlen, int *overflow, struct verdict *v)
{
    int p[2], vp[2];
    if (pipe(p) < 0)
        return -1;
    if (pipe(vp) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    pid_t sup = fork();
    if (sup == 0) {
        close(p[0]);
        close(vp[0]);
        supervise(argv, p[1], vp[1]);
    }
    close(p[1]);
    close(vp[1]);
    if (sup < 0) {
        close(p[0]);
        close(vp[0]);
        return -1;
    }
    size_t n = 0;
    long r;
    char sink[512];
    *overflow = 0;
    while ((r = read(p[0], n < OUT_MAX ? out + n : sink, n < OUT_MAX ? OUT_MAX - n : sizeof sink)) >
           0) {
        if (n < OUT_MAX)
            n += (size_t)r;
        else
            *overflow = 1;
    }
    close(p[0]);
    out[n] = 0;
    *outlen = n;
    v->status = -1;
    v->timed_out = 0;
    size_t got = 0;
    while (got < sizeof *v && (r = read(vp[0], (char *)v + got, sizeof *v - got)) > 0)
        got += (size_t)r;
    close(vp[0]);
    int st;
    while (waitpid(sup, &st, 0) != sup)
        ;
    return got == sizeof *v ? 0 : -1;
}

/* One line of text at p (up to the newline or end), printable, at most 100
 * characters, into buf. */
static void excerpt(const char *p, const char *end, char *buf, size_t bufsz)
{
    size_t o = 0;
    while (p < end && *p != '\n' && o + 5 < bufsz && o < 100) {
        unsigned char c = (unsigned char)*p++;
        if (c >= 32 && c < 127) {
            buf[o++] = (char)c;
        } else {
            snprintf(buf + o, bufsz - o, "\\x%02x", c);
            o += 4;
        }
    }
    if (p < end && *p != '\n')
        o += (size_t)snprintf(buf + o, bufsz - o, "...");
    buf[o] = 0;
}

/* Prints where got and want first differ: the line number and both lines. */
static void show_diff(const char *want, size_t wlen, const char *got, size_t glen)
{
    size_t i = 0, line = 1, start = 0;
    while (i < wlen && i < glen && want[i] == got[i]) {
        if (want[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    char a[128], b[128];
    excerpt(want + start, want + wlen, a, sizeof a);
    excerpt(got + start, got + glen, b, sizeof b);
    printf("    output differs at line %lu (byte %lu; %lu bytes expected, %lu got)\n", line, i,
           wlen, glen);
    printf("    want: %s%s\n", start < wlen ? a : "", start < wlen ? "" : "(end of output)");
    printf("    got:  %s%s\n", start < glen ? b : "", start < glen ? "" : "(end of output)");
}

/* Whether case name was asked for (no names: all). */
static int selected(const char *name, int argc, char **argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (strcmp(name, argv[i]) == 0 ||
            (n && argv[i][n - 1] == '/' && strncmp(name, argv[i], n) == 0))
            return 1;
    }
    return 0;
}

int main(void)
{
    unix_init("linuxtests");
    char **args;
    int nargs = unix_args(&args);
    size_t mlen;
    char *manifest = slurp(IMAGE_DIR "manifest", &mlen);
    if (!manifest) {
        printf("linuxtests: no %smanifest in the boot image (make test-linux builds it)\n",
               IMAGE_DIR);
        printf("linux: 0 passed, 1 failed\n");
        return 1;
    }
    int pass = 0, fail = 0;
    for (char *line = manifest; *line;) {
        char *next = line;
        while (*next && *next != '\n')
            next++;
        if (*next)
            *next++ = 0;
        char *words[MAX_ARGS + 3];
        int nw = 0;
        for (char *p = line; *p && nw < MAX_ARGS + 2;) {
            while (*p == ' ')
                *p++ = 0;
            if (!*p)
                break;
            words[nw++] = p;
            while (*p && *p != ' ')
                p++;
        }
        line = next;
        if (nw < 4 || words[0][0] == '#' || !selected(words[0], nargs, args))
            continue;
        const char *name = words[0], *exp = words[1];
        char **argv = &words[3];
        words[nw] = NULL;
        int want_status = 0;
        for (char *q = words[2]; *q >= '0' && *q <= '9'; q++)
            want_status = want_status * 10 + (*q - '0');

        /* The files the command names under /tests/linux/ (the script). */
        int ok = words[2][0] >= '0' && words[2][0] <= '9';
        size_t cp = strlen(COPY_PREFIX);
        for (int i = 3; i < nw; i++)
            if (strncmp(words[i], COPY_PREFIX, cp) == 0 && copy_in(words[i] + cp) < 0)
                ok = 0;

        char path[PATH_MAX];
        size_t wlen = 0;
        snprintf(path, sizeof path, "%s%s.out", IMAGE_DIR, exp);
        char *want = ok ? slurp(path, &wlen) : NULL;
        if (!want) {
            printf("FAIL linux/%s: its script or recording is missing from the boot image\n", name);
            fail++;
            continue;
        }

        /* Each case starts with an empty /tmp, as when it was recorded
         * (a case that failed half-way may have left its files). */
        int left = empty_dir("/tmp", 0);
        if (left)
            printf("linuxtests: removed %d entries left in /tmp before linux/%s\n", left, name);

        size_t glen = 0;
        int overflow = 0;
        struct verdict v;
        uint64_t t0 = now_ms();
        if (run_case(argv, &glen, &overflow, &v) < 0) {
            printf("FAIL linux/%s: cannot run it (errno %d)\n", name, errno);
            fail++;
            free(want);
            continue;
        }
        uint64_t ms = now_ms() - t0;
        /* The status a Linux shell reports: the exit code, or 128 + the
         * signal that killed it (record.sh's runs report the same). */
        int st = v.status, timed_out = v.timed_out;
        int got_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        int same_out = !overflow && glen == wlen && memcmp(out, want, wlen) == 0;
        if (same_out && got_status == want_status && !timed_out) {
            printf("PASS linux/%s (%lu ms)\n", name, ms);
            pass++;
        } else {
            printf("FAIL linux/%s: status %d (want %d)%s%s%s\n", name, got_status, want_status,
                   same_out ? ", output equal" : "", overflow ? ", output too long" : "",
                   timed_out ? ", killed after the time limit" : "");
            if (!same_out)
                show_diff(want, wlen, out, glen);
            fail++;
        }
        free(want);
    }
    free(manifest);
    printf("linux: %d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
