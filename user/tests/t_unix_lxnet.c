/* Debian's unmodified busybox on the network, through the Linux personality
 * and lib/unix's sockets (netd on the kernel's loopback device): busybox
 * httpd serves a directory of the file system and busybox wget fetches a
 * file from it (and a 404); busybox nc sends to a listener of ours and
 * receives from a server of ours; hostile Linux-level calls (made here as
 * a tiny ELF) get EFAULT, EINVAL, EBADF, ENOTSOCK. */
#include "../../lib/unix/unix.h"
#include "../../lib/c/libc.h"
#include "../../lib/exo/exo.h"
#include "check.h"
#include "unix_run.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define MYIP           IP(10, 0, 0, 9)

static struct sockaddr_in addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

static int listener(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = addr(INADDR_ANY, port);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0)
        return -1;
    return s;
}

/* Until something listens on port (a server we started coming up). */
static int wait_port(uint16_t port)
{
    for (int i = 0; i < 500; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = addr(MYIP, port);
        int r = connect(s, (struct sockaddr *)&a, sizeof a);
        close(s);
        if (r == 0)
            return 0;
        usleep(20000);
    }
    return -1;
}

static int put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0)
        return -1;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok ? 0 : -1;
}

/* Runs argv with stdout to out (-1: ours) and stdin at its end (an empty
 * pipe: nc polls stdin, and the console would keep it reading). */
static pid_t spawn(char *const argv[], int out)
{
    pid_t pid = fork();
    if (pid == 0) {
        int e[2];
        if (pipe(e) == 0) {
            dup2(e[0], 0);
            close(e[0]);
            close(e[1]);
        }
        if (out >= 0)
            dup2(out, 1);
        execv(argv[0], argv);
        exit(125);
    }
    return pid;
}

int main(void)
{
    unix_init("t_unix_lxnet");
    CHECK_EQ(unix_start_net((uint32_t)sys_net_open(NETIF_LO), MYIP, IP(255, 255, 255, 0), 0), 0);

    /* busybox httpd serving /tmp/www; busybox wget fetching from it. */
    CHECK_EQ(mkdir("/tmp/www", 0755), 0);
    CHECK_EQ(put("/tmp/www/hello.txt", "hello from the file system\n"), 0);
    char *httpd[] = {"/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/tmp/www", NULL};
    pid_t hp = spawn(httpd, -1);
    CHECK_EQ(hp > 0, 1);
    CHECK_EQ(wait_port(8080), 0);
    static char out[4096];
    char *wget[] = {
        "/bin/busybox", "wget", "-q", "-O", "-", "http://10.0.0.9:8080/hello.txt", NULL};
    CHECK_EQ(run(wget, out, sizeof out), 0);
    CHECK_EQ(strcmp(out, "hello from the file system\n"), 0);
    char *wget404[] = {"/bin/busybox", "wget", "-q", "-O", "-", "http://10.0.0.9:8080/nope", NULL};
    CHECK_EQ(run(wget404, out, sizeof out), 1);
    char *wgetref[] = {"/bin/busybox", "wget", "-q", "-O", "-", "http://10.0.0.9:8081/", NULL};
    CHECK_EQ(run(wgetref, out, sizeof out), 1); /* refused */
    CHECK_EQ(kill(hp, SIGTERM), 0);
    int st;
    CHECK_EQ(waitpid(hp, &st, 0), hp);

    /* busybox nc sends: a listener of ours gets its stdin. */
    int l = listener(9000);
    CHECK_EQ(l >= 0, 1);
    char *ncs[] = {"/bin/busybox", "sh", "-c", "echo hello nc | busybox nc 10.0.0.9 9000", NULL};
    pid_t np = spawn(ncs, -1);
    int c = accept(l, NULL, NULL);
    CHECK_EQ(c >= 0, 1);
    char buf[64] = {0};
    long n = 0, r;
    while (n < 9 && (r = read(c, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    CHECK_EQ(strcmp(buf, "hello nc\n"), 0);
    close(c);
    CHECK_EQ(waitpid(np, &st, 0), np);
    CHECK_EQ(WIFEXITED(st), 1);

    /* busybox nc receives: it prints what a server of ours sends. */
    char *ncr[] = {"/bin/busybox", "nc", "10.0.0.9", "9000", NULL};
    int p[2];
    CHECK_EQ(pipe(p), 0);
    np = spawn(ncr, p[1]);
    close(p[1]);
    c = accept(l, NULL, NULL);
    CHECK_EQ(c >= 0, 1);
    CHECK_EQ(write(c, "from the server\n", 16), 16);
    close(c);
    memset(buf, 0, sizeof buf);
    n = 0;
    while ((r = read(p[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    CHECK_EQ(strcmp(buf, "from the server\n"), 0);
    close(p[0]);
    CHECK_EQ(waitpid(np, &st, 0), np);

    /* busybox nc listens: our client's bytes come out of it. */
    char *ncl[] = {"/bin/busybox", "nc", "-l", "-p", "9002", NULL};
    CHECK_EQ(pipe(p), 0);
    np = spawn(ncl, p[1]);
    close(p[1]);
    int s = -1;
    for (int i = 0; i < 500 && s < 0; i++) {
        s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = addr(MYIP, 9002);
        if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
            close(s);
            s = -1;
            usleep(20000);
        }
    }
    CHECK_EQ(s >= 0, 1);
    CHECK_EQ(write(s, "to nc -l\n", 9), 9);
    close(s);
    memset(buf, 0, sizeof buf);
    n = 0;
    while ((r = read(p[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    CHECK_EQ(strcmp(buf, "to nc -l\n"), 0);
    close(p[0]);
    CHECK_EQ(waitpid(np, &st, 0), np);
    close(l);

    /* The calls with bad arguments, from a Linux program (user/lxbin). */
    char *lxs[] = {"/bin/lx_sock", NULL};
    int lr = run(lxs, out, sizeof out);
    if (lr != 0)
        printf("%s", out);
    CHECK_EQ(lr, 0);
    return check_failures;
}
