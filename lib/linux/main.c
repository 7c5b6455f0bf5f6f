/* /bin/linux: runs a Linux program as a process of the Unix library OS.
 * lib/unix's execv starts it (as `linux PATH ARGV...`) for any ELF file
 * without Spinel's note; the program's own execve of a Linux program
 * replaces the image in place (lx_exec), keeping the process, its
 * descriptors (but those marked close-on-exec) and ignored signals. */
#include "linux.h"
#include "../c/libc.h"
#include "../unix/unix_internal.h"

void lx_files_init(void);
void lx_forget_dirs(void);
extern uint64_t lx_stack_top, lx_frame;
extern int job_child;

/* Whether img (an ELF file of size bytes) carries crt0's "Spinel" note in
 * a PT_NOTE segment (a program of this system), as lib/unix's execv finds
 * it. (A scan of the first 64 KiB for it, as before, cost 164,000 ticks
 * an exec.) */
static int spinel_note(const uint8_t *img, uint64_t size)
{
    if (size < 64)
        return 0;
    uint64_t phoff;
    uint16_t phentsize, phnum;
    memcpy(&phoff, img + 32, 8); /* e_phoff, e_phentsize, e_phnum */
    memcpy(&phentsize, img + 54, 2);
    memcpy(&phnum, img + 56, 2);
    if (phentsize != 56 || phoff > size || (uint64_t)phnum * 56 > size - phoff)
        return 0;
    for (int i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * 56;
        uint32_t type;
        uint64_t off, filesz;
        memcpy(&type, ph, 4); /* p_type, p_offset, p_filesz */
        memcpy(&off, ph + 8, 8);
        memcpy(&filesz, ph + 32, 8);
        if (type != 4 || off > size || filesz > size - off)
            continue;
        for (uint64_t o = 0; o + 20 <= filesz;) {
            uint32_t n[5];
            memcpy(n, img + off + o, sizeof n);
            if (n[0] == 7 && n[2] == 1 && memcmp(&n[3], "Spinel", 7) == 0)
                return 1;
            o += 12 + ((n[0] + 3UL) & ~3UL) + ((n[1] + 3UL) & ~3UL);
        }
    }
    return 0;
}

__attribute__((noreturn)) void lx_start(const struct lx_image *im)
{
    /* The handlers run on the runner's own stack, where main left it. */
    if (!lx_stack_top) {
        volatile char here;
        lx_stack_top = ((uint64_t)&here - 4096) & ~15UL;
        lx_frame = lx_stack_top - sizeof(struct upcall_frame);
    }
    if (sys_env_set_foreign(CAP_SELF, (uint64_t)lx_entry) < 0 ||
        sys_env_set_foreign_fast(CAP_SELF, (uint64_t)lx_fast_entry) < 0)
        unix_die(SIGSEGV);
    lx_jump(im->entry, im->rsp);
}

/* SPINEL_STRACE=1 traces to the console, SPINEL_STRACE=/PATH appends the
 * lines to that file (as strace -f -o PATH; the file is opened for each
 * line, so the program's descriptors are left alone). */
static int has_strace(char **envp)
{
    lx.strace_file[0] = 0;
    for (int i = 0; envp && envp[i]; i++) {
        if (strcmp(envp[i], "SPINEL_STRACE=1") == 0)
            return 1;
        if (strncmp(envp[i], "SPINEL_STRACE=/", 15) == 0 &&
            strlen(envp[i] + 14) < sizeof lx.strace_file) {
            strcpy(lx.strace_file, envp[i] + 14);
            return 1;
        }
    }
    return 0;
}

/* execve: returns -errno while the old image is still there; from the
 * point of no return on, a failure ends the process (SIGSEGV, as Linux's
 * SIGKILL there). */
long lx_exec(const char *path, char **argv, char **envp, int depth)
{
    char full[PATH_MAX];
    if (strcmp(path, "/proc/self/exe") == 0)
        path = lx.exe;
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return -LX_ENOENT;
        snprintf(full, sizeof full, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
        path = full;
    }
    /* A mode that was set (chmod) without any execute bit: EACCES. Files
     * whose mode was never set (0) run. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) && !(st.st_mode & 0111))
        return -LX_EACCES;
    uint8_t *img;
    uint64_t size;
    long r = lx_read_file(path, &img, &size);
    if (r < 0)
        return r;
    if (size >= 2 && img[0] == '#' && img[1] == '!') {
        /* A script: #!interpreter [one argument] */
        char *s = (char *)img + 2, *nl = s;
        while (*nl && *nl != '\n')
            nl++;
        if (!*nl)
            nl = NULL;
        if (!nl || depth >= 4) {
            lx_free_file(img);
            return -LX_ENOEXEC;
        }
        *nl = 0;
        while (*s == ' ' || *s == '\t')
            s++;
        char *interp = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        char *arg = NULL;
        if (*s) {
            *s++ = 0;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s)
                arg = s;
        }
        int n = 0;
        while (argv[n])
            n++;
        char **nargv = malloc(sizeof(char *) * (size_t)(n + 4));
        if (!nargv) {
            lx_free_file(img);
            return -LX_ENOMEM;
        }
        int k = 0;
        nargv[k++] = interp;
        if (arg)
            nargv[k++] = arg;
        nargv[k++] = (char *)path;
        for (int i = 1; i < n; i++)
            nargv[k++] = argv[i];
        nargv[k] = NULL;
        r = lx_exec(interp, nargv, envp, depth + 1);
        free(nargv);
        lx_free_file(img);
        return r;
    }
    if (size >= 4 &&
        memcmp(img,
               "\x7f"
               "ELF",
               4) == 0 &&
        spinel_note(img, size)) {
        lx_free_file(img); /* a program of this system: lib/unix runs it (no environment) */
        execv(path, argv);
        return -(long)errno;
    }
    if ((r = lx_check_elf(img, size)) < 0 || (r = lx_check_interp(img)) < 0) {
        lx_free_file(img);
        return r;
    }
    /* Point of no return. */
    char exe[PATH_MAX];
    strcpy(exe, path);
    for (int fd = 0; fd < NOFILE; fd++)
        if (lx.cloexec >> fd & 1) {
            lx_lock_close(fd);
            close(fd);
        }
    lx.cloexec = 0;
    lx_forget_dirs();
    for (int s = 1; s <= 64; s++)
        if (lx.sig[s].handler != 1) /* SIG_IGN stays; handlers go back to SIG_DFL */
            memset(&lx.sig[s], 0, sizeof lx.sig[s]);
    lx_unmap_all();
    shm_detach_all(lx_lock_table()); /* (MAP_SHARED anonymous memory goes too, as on Linux) */
    lx_shm_detached();
    lx.brk_start = lx.brk_cur = lx.brk_mapped = 0; /* (no demand-zero brk while loading) */
    lx.fs_base = 0;
    sys_env_set_fs(CAP_SELF, 0);
    lx.strace = has_strace(envp);
    job_child = 0;
    struct lx_image im;
    r = lx_load(exe, img, size, argv, envp, &im);
    lx_free_file(img);
    if (r < 0) {
        printf("linux: cannot load %s (error %ld)\n", exe, -r);
        unix_die(SIGSEGV);
    }
    strcpy(lx.exe, exe);
    lx.brk_start = lx.brk_cur = lx.brk_mapped = im.brk;
    lx.mmap_next = LX_MMAP_BASE;
    lx_start(&im);
}

int main(void)
{
    unix_init("linux");
    char **args;
    int argc = unix_args(&args);
    int a = 1, strace = 0;
    if (argc > a && strcmp(args[a], "-s") == 0) {
        strace = 1;
        a++;
    }
    if (argc <= a) {
        printf("usage: linux [-s] PROGRAM [ARGV0 ARGS...]\n");
        return 127;
    }
    lx_files_init();
    lx_signals_init();
    lx.umask = 022;
    char *path = args[a];
    char *one[] = {path, NULL};
    char **argv = argc > a + 1 ? &args[a + 1] : one;
    static char *envp[] = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin",
                           "HOME=/",
                           "TERM=vt100",
                           "USER=root",
                           "LOGNAME=root",
                           "SHELL=/bin/sh",
                           NULL,
                           NULL};
    if (strace)
        envp[6] = "SPINEL_STRACE=1";
    long r = lx_exec(path, argv, envp, 0);
    printf("linux: %s: %s\n", path,
           r == -LX_ENOENT    ? "no such file"
           : r == -LX_ENOEXEC ? "not a Linux program (ENOEXEC)"
           : r == -LX_EACCES  ? "cannot execute"
                              : "cannot run");
    return r == -LX_ENOENT ? 127 : 126;
}
