/* init: the first user program. It starts the Unix library OS (the shared
 * process table and file system, filled from the boot image) and runs the
 * login shell, busybox sh (or /bin/sh); without one it offers a tiny
 * console monitor. */
#include "../lib/c/libc.h"
#include "../lib/exo/exo.h"
#include "../lib/unix/unix.h"

static void info(void)
{
    struct sys_info si;
    if (sys_sysinfo(&si) < 0) {
        printf("sysinfo failed\n");
        return;
    }
    printf("env %lx, %lu cpu(s), %lu of %lu frames free (%lu MiB), uptime %lu.%03lu s\n", si.env_id,
           si.ncpu, si.free_frames, si.total_frames, si.free_frames * 4096 >> 20,
           si.ticks / si.timer_hz, si.ticks % si.timer_hz);
}

/* A line from the console (the library OS echoes and edits it); -1 at ^D. */
static int readline(char *buf, int max)
{
    long n = read(0, buf, (size_t)max - 1);
    if (n <= 0)
        return -1;
    if (buf[n - 1] == '\n')
        n--;
    buf[n] = 0;
    return (int)n;
}

/* With a network card, the web server (user/httpd.c, on lib/net) runs in
 * an env of its own with the card's capability; make run forwards a host
 * port to its port 80. */
static void start_httpd(long dev)
{
    long h = exo_spawn("httpd", 4096);
    /* (first the file system, read-only: it serves its files at /fs/; it
     * looks once it has the device) */
    if (h >= 0 && unix_share_fs((uint32_t)h) < 0)
        printf("init: httpd gets no file system (errno %d)\n", errno);
    /* (R_CONTROL: its live view shows the device's filters) */
    if (h < 0 || sys_cap_derive((uint32_t)dev, R_READ | R_WRITE | R_CONTROL, (uint32_t)h) < 0) {
        printf("init: cannot start httpd\n");
        return;
    }
    printf("init: httpd started on the network card\n");
}

/* With a network card, every process's sockets (busybox wget, nc, httpd
 * through the Linux personality) are served by netd, the library OS's
 * TCP/IP server, on the card at 10.0.2.16 (httpd keeps 10.0.2.15). */
static void start_netd(long dev)
{
    uint32_t ip = 10u << 24 | 2 << 8 | 16, gw = 10u << 24 | 2 << 8 | 2;
    if (unix_start_net((uint32_t)dev, ip, 0xffffff00u, gw) == 0)
        printf("init: netd up on the network card: sockets at 10.0.2.16\n");
    else
        printf("init: cannot start netd (errno %d)\n", errno);
}

int main(void)
{
    printf("init: hello from user space (ring 3)\n");
    unix_init("init");
    info();
    /* The disk (make run attaches build/disk.img): its file system is the
     * root, made on first use and given the boot image's programs (/tmp and
     * /dev stay in memory). */
    int m = unix_mount_root(0, 0);
    if (m >= 0)
        printf("init: the disk is the root file system, /tmp in memory%s\n",
               m ? " (a new file system)" : "");
    else if (errno != ENOENT)
        printf("init: cannot mount the disk (errno %d)\n", errno);
    /* The login shell: Debian's busybox sh (through the Linux personality)
     * if the image has it, else Spinel's own /bin/sh (also /bin/spsh). */
    struct stat st;
    const char *shell = stat("/bin/busybox", &st) == 0 ? "/bin/busybox" : "/bin/sh";
    if (stat(shell, &st) == 0) {
        printf("init: starting %s (exit leaves the shell and stops the machine)\n",
               shell[5] == 'b' ? "busybox sh; Spinel's own shell is spsh" : "/bin/sh");
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = {"sh", NULL};
            execv(shell, argv);
            printf("init: cannot run %s (errno %d)\n", shell, errno);
            exit(127);
        }
        long dev = sys_net_open(NETIF_NET0); /* (the card, if there is one) */
        if (dev >= 0) {
            start_httpd(dev);
            start_netd(dev);
        }
        /* The boot row of make bench ends here when the login shell is
         * busybox sh (Spinel's own shell marks its first prompt): a NOP the
         * cost-model plugin (tools/bench/model.c) recognises; only its first
         * one counts. */
        if (shell[5] == 'b')
            __asm__ volatile("nopl 0x53504204(%%rax)" : : : "memory");
        int status = 0;
        while (waitpid(pid, &status, 0) != pid)
            ;
        sync(); /* (the shell synced too; whatever its children wrote since) */
        printf("init: the shell ended (status %d)\n", WEXITSTATUS(status));
        return 0;
    }
    printf("Type 'help' for commands.\n");
    char line[128];
    for (;;) {
        sys_cputs("spinel> ", 8);
        if (readline(line, sizeof line) < 0)
            break;
        if (line[0] == 0)
            continue;
        if (strcmp(line, "help") == 0)
            printf("help        this text\n"
                   "info        memory, CPUs and uptime\n"
                   "echo TEXT   print TEXT\n"
                   "exit        stop init (and the machine)\n");
        else if (strcmp(line, "info") == 0)
            info();
        else if (strncmp(line, "echo ", 5) == 0)
            printf("%s\n", line + 5);
        else if (strcmp(line, "exit") == 0 || strcmp(line, "halt") == 0)
            break;
        else
            printf("%s: unknown command\n", line);
    }
    sync();
    printf("init: bye\n");
    return 0;
}
