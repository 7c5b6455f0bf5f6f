/* sh: the shell of the Unix library OS.
 *
 *   sh               commands from fd 0 (prompt "$ " unless fd 0 is a file)
 *   sh FILE [ARGS]   commands from FILE; $0 is FILE, $1.. are ARGS
 *   sh -c CMD [NAME [ARGS]]
 *
 * A line is a list of and-or lists separated by ';' or '&' (background);
 * an and-or list is pipelines joined by '&&' and '||'; a pipeline is simple
 * commands joined by '|'. A simple command is words and redirections
 * (< file, > file, >> file, N> file, N>> file, N< file, N>&M). Words may be
 * quoted with '...' (literal) or "..." ($ expansions and \" \\ \$ inside);
 * \c outside quotes is c; # at the start of a word begins a comment.
 * Expansions: $? (last status), $$ (our pid), $! (last background pid),
 * $# (number of arguments), $0..$9. Builtins: cd, pwd, exit, wait, ':'.
 * A command without '/' is looked up as /bin/NAME. See README.md. */
#include "util.h"

#define MAXARGS  128
#define MAXREDIR 8
#define MAXCMDS  16
#define MAXJOBS  64

/* ---- state ---- */

static int last_status; /* $? */
static pid_t last_bg;   /* $! */
static int interactive;
static int npos; /* positional parameters $0..: pos[0..npos) */
static char **pos;
static pid_t jobs[MAXJOBS];

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (r < 0)
        return;
    size_t n = (size_t)r < sizeof buf - 1 ? (size_t)r : sizeof buf - 2;
    buf[n++] = '\n';
    write_all(2, "sh: ", 4);
    write_all(2, buf, n);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        putstr(2, "sh: out of memory\n");
        _exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static int status_of(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* ---- a growing string ---- */

struct buf {
    char *s;
    size_t len, cap;
};

static void buf_add(struct buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *s = xmalloc(cap);
        if (b->s) {
            memcpy(s, b->s, b->len);
            free(b->s);
        }
        b->s = s;
        b->cap = cap;
    }
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

static void buf_adds(struct buf *b, const char *s)
{
    while (*s)
        buf_add(b, *s++);
}

/* ---- jobs ---- */

static void job_add(pid_t pid)
{
    for (int i = 0; i < MAXJOBS; i++)
        if (!jobs[i]) {
            jobs[i] = pid;
            return;
        }
}

static void job_done(pid_t pid, int st)
{
    for (int i = 0; i < MAXJOBS; i++)
        if (jobs[i] == pid) {
            jobs[i] = 0;
            if (interactive)
                fdprintf(2, "[%d] done, status %d\n", pid, status_of(st));
        }
}

/* Collects the background jobs that have finished. */
static void reap_jobs(void)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        job_done(pid, st);
}

/* ---- tokens ---- */

enum { T_WORD, T_PIPE, T_AND, T_OR, T_SEMI, T_AMP, T_IN, T_OUT, T_APPEND, T_DUP, T_END };

struct tok {
    int type;
    int fd;  /* redirections: the descriptor redirected */
    char *s; /* T_WORD: the word, with expansions marked; T_DUP: the source fd */
};

/* In a word, MARK c stands for the expansion $c, done when the command runs. */
#define MARK '\001'

static int is_special(char c)
{
    return c == '?' || c == '$' || c == '!' || c == '#' || is_digit(c);
}

static int is_op(char c)
{
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>';
}

static void tok_add(struct tok **t, int *n, int *cap, int type, int fd, char *s)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 16;
        struct tok *nt = xmalloc(sizeof *nt * (size_t)nc);
        if (*t) {
            memcpy(nt, *t, sizeof *nt * (size_t)*n);
            free(*t);
        }
        *t = nt;
        *cap = nc;
    }
    (*t)[*n].type = type;
    (*t)[*n].fd = fd;
    (*t)[*n].s = s;
    (*n)++;
}

static void toks_free(struct tok *t, int n)
{
    for (int i = 0; i < n; i++)
        free(t[i].s);
    free(t);
}

/* Splits a line into tokens; the count (the last is T_END), or -1 after an
 * error message. */
static int lex(const char *p, struct tok **out)
{
    struct tok *t = NULL;
    int n = 0, cap = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p || *p == '#')
            break;
        /* N> N>> N< N>&M */
        int fd = -1;
        if (is_digit(p[0]) && (p[1] == '<' || p[1] == '>')) {
            fd = p[0] - '0';
            p++;
        }
        if (is_op(*p)) {
            int type;
            char *s = NULL;
            if (p[0] == '|' && p[1] == '|')
                type = T_OR, p += 2;
            else if (p[0] == '|')
                type = T_PIPE, p++;
            else if (p[0] == '&' && p[1] == '&')
                type = T_AND, p += 2;
            else if (p[0] == '&')
                type = T_AMP, p++;
            else if (p[0] == ';')
                type = T_SEMI, p++;
            else if (p[0] == '<')
                type = T_IN, p++, fd = fd < 0 ? 0 : fd;
            else if (p[0] == '>' && p[1] == '>')
                type = T_APPEND, p += 2, fd = fd < 0 ? 1 : fd;
            else if (p[0] == '>' && p[1] == '&' && is_digit(p[2])) {
                type = T_DUP, fd = fd < 0 ? 1 : fd;
                s = xmalloc(2);
                s[0] = p[2];
                s[1] = 0;
                p += 3;
            } else
                type = T_OUT, p++, fd = fd < 0 ? 1 : fd;
            tok_add(&t, &n, &cap, type, fd, s);
            continue;
        }
        struct buf w = {0};
        int quoted = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && !is_op(*p)) {
            if (*p == '\'') {
                quoted = 1;
                const char *e = str_chr(p + 1, '\'');
                if (!e) {
                    err("syntax error: unterminated quote");
                    free(w.s);
                    toks_free(t, n);
                    return -1;
                }
                for (p++; p < e; p++)
                    buf_add(&w, *p);
                p++;
            } else if (*p == '"') {
                quoted = 1;
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$')) {
                        buf_add(&w, *++p);
                    } else if (*p == '$' && is_special(p[1])) {
                        buf_add(&w, MARK);
                        buf_add(&w, *++p);
                    } else
                        buf_add(&w, *p);
                }
                if (*p != '"') {
                    err("syntax error: unterminated quote");
                    free(w.s);
                    toks_free(t, n);
                    return -1;
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                buf_add(&w, p[1]);
                p += 2;
            } else if (*p == '$' && is_special(p[1])) {
                buf_add(&w, MARK);
                buf_add(&w, p[1]);
                p += 2;
            } else if (*p == MARK) {
                p++; /* never let input forge a mark */
            } else
                buf_add(&w, *p++);
        }
        if (!w.s && quoted)
            buf_add(&w, 0), w.s[0] = 0;
        if (w.s) /* (a word of nothing but forged marks is dropped) */
            tok_add(&t, &n, &cap, T_WORD, -1, w.s);
    }
    tok_add(&t, &n, &cap, T_END, -1, NULL);
    *out = t;
    return n;
}

/* Checks the grammar of a whole line before any of it runs. */
static int syntax_ok(const struct tok *t, int n)
{
    int have_cmd = 0; /* the current simple command has a word or redirection */
    int need_cmd = 0; /* an operator that must be followed by a command */
    for (int i = 0; i < n; i++) {
        switch (t[i].type) {
        case T_WORD:
            have_cmd = 1;
            need_cmd = 0;
            break;
        case T_IN:
        case T_OUT:
        case T_APPEND:
            if (t[i + 1].type != T_WORD) {
                err("syntax error: redirection without a file name");
                return 0;
            }
            i++;
            have_cmd = 1;
            need_cmd = 0;
            break;
        case T_DUP:
            have_cmd = 1;
            need_cmd = 0;
            break;
        case T_PIPE:
        case T_AND:
        case T_OR:
            if (!have_cmd) {
                err("syntax error near '%s'", t[i].type == T_PIPE  ? "|"
                                              : t[i].type == T_AND ? "&&"
                                                                   : "||");
                return 0;
            }
            have_cmd = 0;
            need_cmd = 1;
            break;
        case T_SEMI:
        case T_AMP:
            if (!have_cmd) {
                err("syntax error near '%s'", t[i].type == T_SEMI ? ";" : "&");
                return 0;
            }
            have_cmd = 0;
            break;
        case T_END:
            if (need_cmd) {
                err("syntax error: unexpected end of line");
                return 0;
            }
            break;
        }
    }
    return 1;
}

/* ---- expansion ---- */

static char *expand(const char *w)
{
    struct buf b = {0};
    buf_add(&b, 0);
    b.len = 0;
    for (; *w; w++) {
        if (*w != MARK || !w[1]) {
            buf_add(&b, *w);
            continue;
        }
        char c = *++w, num[16];
        if (c == '?')
            snprintf(num, sizeof num, "%d", last_status);
        else if (c == '$')
            snprintf(num, sizeof num, "%d", getpid());
        else if (c == '!')
            snprintf(num, sizeof num, "%d", last_bg);
        else if (c == '#')
            snprintf(num, sizeof num, "%d", npos > 0 ? npos - 1 : 0);
        else {
            int k = c - '0';
            if (k < npos)
                buf_adds(&b, pos[k]);
            continue;
        }
        buf_adds(&b, num);
    }
    return b.s;
}

/* ---- simple commands ---- */

struct redir {
    int type, fd;
    char *arg; /* file name (expanded), or the source fd for T_DUP */
};

struct cmd {
    int argc, nredir;
    char *argv[MAXARGS + 1];
    struct redir redir[MAXREDIR];
};

/* Builds the command from tokens [i, j); 0, or -1 after a message. */
static int cmd_build(const struct tok *t, int i, int j, struct cmd *c)
{
    c->argc = c->nredir = 0;
    for (; i < j; i++) {
        if (t[i].type == T_WORD) {
            if (c->argc == MAXARGS) {
                err("too many arguments");
                return -1;
            }
            c->argv[c->argc++] = expand(t[i].s);
            continue;
        }
        if (c->nredir == MAXREDIR) {
            err("too many redirections");
            return -1;
        }
        struct redir *r = &c->redir[c->nredir++];
        r->type = t[i].type;
        r->fd = t[i].fd;
        if (r->type == T_DUP)
            r->arg = xstrdup(t[i].s);
        else
            r->arg = expand(t[++i].s);
    }
    c->argv[c->argc] = NULL;
    return 0;
}

static void cmd_free(struct cmd *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    for (int i = 0; i < c->nredir; i++)
        free(c->redir[i].arg);
    c->argc = c->nredir = 0;
}

/* Applies the redirections of c to this process. If saved is given, the
 * descriptors replaced are first saved there (saved[fd], -2 if none was
 * open) so that restore_fds can put them back. 0, or -1 after a message. */
static int apply_redirs(const struct cmd *c, int *saved)
{
    for (int i = 0; i < c->nredir; i++) {
        const struct redir *r = &c->redir[i];
        if (saved && saved[r->fd] == -1) {
            int s = dup(r->fd);
            saved[r->fd] = s < 0 ? -2 : s;
        }
        int fd;
        if (r->type == T_DUP) {
            fd = r->arg[0] - '0';
            if (dup2(fd, r->fd) < 0) {
                err("%d: %s", fd, err_str(errno));
                return -1;
            }
            continue;
        }
        int flags = r->type == T_IN       ? O_RDONLY
                    : r->type == T_APPEND ? O_WRONLY | O_CREAT | O_APPEND
                                          : O_WRONLY | O_CREAT | O_TRUNC;
        fd = open(r->arg, flags, 0644);
        if (fd < 0) {
            err("cannot open %s: %s", r->arg, err_str(errno));
            return -1;
        }
        if (fd != r->fd) {
            if (dup2(fd, r->fd) < 0) {
                err("cannot redirect %d: %s", r->fd, err_str(errno));
                close(fd);
                return -1;
            }
            close(fd);
        }
    }
    return 0;
}

static void restore_fds(int *saved)
{
    for (int fd = 0; fd < 10; fd++) {
        if (saved[fd] >= 0) {
            dup2(saved[fd], fd);
            close(saved[fd]);
        } else if (saved[fd] == -2)
            close(fd);
    }
}

/* ---- builtins ---- */

/* Makes an absolute path of p (relative to the working directory) with
 * "." and ".." resolved; 0, or -1 if too long. */
static int normalize(const char *p, char *out, size_t n)
{
    char tmp[PATH_MAX * 2];
    if (p[0] == '/')
        snprintf(tmp, sizeof tmp, "%s", p);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            strcpy(cwd, "/");
        snprintf(tmp, sizeof tmp, "%s/%s", cwd, p);
    }
    size_t len = 0;
    out[0] = 0;
    for (char *s = tmp; *s;) {
        while (*s == '/')
            s++;
        char *e = s;
        while (*e && *e != '/')
            e++;
        size_t k = (size_t)(e - s);
        if (k == 0 || (k == 1 && s[0] == '.')) {
            /* nothing */
        } else if (k == 2 && s[0] == '.' && s[1] == '.') {
            while (len > 0 && out[len] != '/')
                len--;
            out[len] = 0;
        } else {
            if (len + 1 + k + 1 > n)
                return -1;
            out[len++] = '/';
            memcpy(out + len, s, k);
            len += k;
            out[len] = 0;
        }
        s = e;
    }
    if (len == 0)
        strcpy(out, "/");
    return 0;
}

static int bi_cd(struct cmd *c)
{
    const char *dir = c->argc > 1 ? c->argv[1] : "/";
    char p[PATH_MAX];
    if (normalize(dir, p, sizeof p) < 0) {
        err("cd: %s: name too long", dir);
        return 1;
    }
    if (chdir(p) < 0) {
        err("cd: %s: %s", dir, err_str(errno));
        return 1;
    }
    return 0;
}

static int bi_pwd(struct cmd *c)
{
    (void)c;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        err("pwd: %s", err_str(errno));
        return 1;
    }
    fdprintf(1, "%s\n", cwd);
    return 0;
}

static int bi_exit(struct cmd *c)
{
    long v = last_status;
    if (c->argc > 1 && parse_int(c->argv[1], &v) < 0) {
        err("exit: %s: not a number", c->argv[1]);
        v = 2;
    }
    sync(); /* leaving the shell stops the machine: the disk first */
    exit((int)(v & 0xff));
}

static int bi_wait(struct cmd *c)
{
    int st, r = 0;
    if (c->argc > 1) {
        for (int i = 1; i < c->argc; i++) {
            long pid;
            if (parse_int(c->argv[i], &pid) < 0 || waitpid((pid_t)pid, &st, 0) < 0) {
                err("wait: %s: not a child", c->argv[i]);
                r = 127;
                continue;
            }
            job_done((pid_t)pid, st);
            r = status_of(st);
        }
        return r;
    }
    for (int i = 0; i < MAXJOBS; i++) {
        if (!jobs[i])
            continue;
        pid_t pid = jobs[i];
        if (waitpid(pid, &st, 0) == pid)
            r = status_of(st);
        jobs[i] = 0;
    }
    (void)r;
    return 0;
}

static int bi_sync(struct cmd *c)
{
    (void)c;
    sync(); /* commits the disk's file system (/disk) */
    return 0;
}

static int bi_colon(struct cmd *c)
{
    (void)c;
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(struct cmd *);
} builtins[] = {
    {"cd", bi_cd},     {"pwd", bi_pwd}, {"exit", bi_exit},
    {"wait", bi_wait}, {":", bi_colon}, {"sync", bi_sync},
};

static int (*builtin_of(const struct cmd *c))(struct cmd *)
{
    if (c->argc == 0)
        return NULL;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(c->argv[0], builtins[i].name) == 0)
            return builtins[i].fn;
    return NULL;
}

/* ---- running programs ---- */

/* In a child: runs the command; never returns. */
static __attribute__((noreturn)) void exec_cmd(struct cmd *c)
{
    if (apply_redirs(c, NULL) < 0)
        _exit(1);
    if (c->argc == 0)
        _exit(0);
    int (*bi)(struct cmd *) = builtin_of(c);
    if (bi)
        _exit(bi(c));
    char path[PATH_MAX];
    const char *name = c->argv[0];
    if (str_chr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "/bin/%s", name);
    execv(path, c->argv);
    int e = errno;
    if (e == ENOEXEC) {
        /* Not a program: if it is a file, run it as a script of ours. */
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            char *args[MAXARGS + 2];
            args[0] = "sh";
            args[1] = path;
            int k = 2;
            for (int i = 1; i < c->argc && k < MAXARGS + 1; i++)
                args[k++] = c->argv[i];
            args[k] = NULL;
            execv("/bin/sh", args);
        }
    }
    if (e == ENOENT)
        err("%s: not found", name);
    else
        err("%s: cannot run: %s", name, err_str(e));
    _exit(e == ENOENT ? 127 : 126);
}

/* Runs the pipeline of tokens [i, j); its status (the last command's), or 0
 * if started in the background. */
static int run_pipeline(const struct tok *t, int i, int j, int bg)
{
    static struct cmd cmds[MAXCMDS];
    int n = 0;
    int start = i;
    for (int k = i; k <= j; k++) {
        if (k < j && t[k].type != T_PIPE)
            continue;
        if (n == MAXCMDS) {
            err("pipeline too long");
            for (int m = 0; m < n; m++)
                cmd_free(&cmds[m]);
            return 2;
        }
        if (cmd_build(t, start, k, &cmds[n++]) < 0) {
            for (int m = 0; m < n; m++)
                cmd_free(&cmds[m]);
            return 2;
        }
        start = k + 1;
    }

    /* A builtin alone, or only redirections: in the shell itself. */
    int (*bi)(struct cmd *) = n == 1 ? builtin_of(&cmds[0]) : NULL;
    if (n == 1 && !bg && (bi || cmds[0].argc == 0)) {
        int saved[10];
        for (int k = 0; k < 10; k++)
            saved[k] = -1;
        int r = 1;
        if (apply_redirs(&cmds[0], saved) == 0)
            r = bi ? bi(&cmds[0]) : 0;
        restore_fds(saved);
        cmd_free(&cmds[0]);
        return r;
    }

    pid_t pids[MAXCMDS];
    int in = -1; /* the read end of the previous pipe */
    int started = 0;
    for (int k = 0; k < n; k++) {
        int p[2] = {-1, -1};
        if (k < n - 1 && pipe(p) < 0) {
            err("pipe: %s", err_str(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            err("fork: %s", err_str(errno));
            if (p[0] >= 0) {
                close(p[0]);
                close(p[1]);
            }
            break;
        }
        if (pid == 0) {
            if (in >= 0) {
                dup2(in, 0);
                close(in);
            }
            if (p[1] >= 0) {
                dup2(p[1], 1);
                close(p[1]);
                close(p[0]);
            }
            exec_cmd(&cmds[k]);
        }
        pids[started++] = pid;
        if (in >= 0)
            close(in);
        if (p[1] >= 0)
            close(p[1]);
        in = p[0];
    }
    if (in >= 0)
        close(in);
    for (int k = 0; k < n; k++)
        cmd_free(&cmds[k]);

    if (bg) {
        for (int k = 0; k < started; k++)
            job_add(pids[k]);
        if (started) {
            last_bg = pids[started - 1];
            fdprintf(2, "[%d]\n", last_bg);
        }
        return started == n ? 0 : 1;
    }
    /* A foreground job: ^C on the console interrupts it. */
    int r = 0;
    tty_set_foreground(pids, started < TTY_MAXFG ? started : TTY_MAXFG);
    for (int k = 0; k < started; k++) {
        int st = 0;
        if (tty_waitpid(pids[k], &st) < 0)
            st = 1 << 8;
        r = status_of(st);
    }
    tty_set_foreground(NULL, 0);
    return started == n ? r : 1;
}

/* Runs the and-or list of tokens [i, j). */
static int run_andor(const struct tok *t, int i, int j)
{
    int status = 0, op = -1;
    while (i < j) {
        int k = i;
        while (k < j && t[k].type != T_AND && t[k].type != T_OR)
            k++;
        if (op < 0 || (op == T_AND && status == 0) || (op == T_OR && status != 0)) {
            status = run_pipeline(t, i, k, 0);
            last_status = status;
        }
        if (k < j)
            op = t[k].type;
        i = k + 1;
    }
    return status;
}

/* Runs a line of tokens. */
static void run_tokens(const struct tok *t, int n)
{
    int i = 0;
    while (i < n && t[i].type != T_END) {
        int j = i, simple = 1;
        while (t[j].type != T_SEMI && t[j].type != T_AMP && t[j].type != T_END) {
            if (t[j].type == T_AND || t[j].type == T_OR)
                simple = 0;
            j++;
        }
        if (t[j].type == T_AMP) {
            if (simple) {
                last_status = run_pipeline(t, i, j, 1);
            } else {
                /* An and-or list in the background: a copy of the shell runs it. */
                pid_t pid = fork();
                if (pid == 0) {
                    interactive = 0;
                    _exit(run_andor(t, i, j));
                }
                if (pid < 0) {
                    err("fork: %s", err_str(errno));
                    last_status = 1;
                } else {
                    job_add(pid);
                    last_bg = pid;
                    fdprintf(2, "[%d]\n", pid);
                    last_status = 0;
                }
            }
        } else {
            last_status = run_andor(t, i, j);
        }
        i = t[j].type == T_END ? j : j + 1;
    }
}

static void run_line(const char *line)
{
    struct tok *t;
    int n = lex(line, &t);
    if (n < 0) {
        last_status = 2;
        return;
    }
    if (syntax_ok(t, n))
        run_tokens(t, n);
    else
        last_status = 2;
    toks_free(t, n);
}

/* ---- input ---- */

/* Reads a line from fd one byte at a time (so that what follows stays for the
 * programs we run); NULL at the end of input. */
static char *read_line_fd(int fd)
{
    struct buf b = {0};
    char c;
    int any = 0;
    for (;;) {
        ssize_t r = read(fd, &c, 1);
        if (r <= 0)
            break;
        any = 1;
        if (c == '\n')
            break;
        buf_add(&b, c);
    }
    if (!any)
        return NULL;
    if (!b.s)
        buf_add(&b, 0), b.s[0] = 0;
    return b.s;
}

/* Reads a whole file; NULL after a message. */
static char *read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        err("cannot open %s: %s", path, err_str(errno));
        return NULL;
    }
    struct buf b = {0};
    buf_add(&b, 0);
    b.len = 0;
    char chunk[512];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        for (ssize_t k = 0; k < r; k++)
            buf_add(&b, chunk[k]);
    close(fd);
    if (r < 0) {
        err("cannot read %s: %s", path, err_str(errno));
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* Runs every line of text. */
static void run_text(char *text)
{
    char *p = text;
    while (*p) {
        char *e = p;
        while (*e && *e != '\n')
            e++;
        char save = *e;
        *e = 0;
        reap_jobs();
        run_line(p);
        *e = save;
        p = *e ? e + 1 : e;
    }
}

int main(void)
{
    unix_init("sh");
    char **argv;
    int argc = unix_args(&argv);
    static char *def[] = {"sh", NULL};
    if (argc < 1) {
        argc = 1;
        argv = def;
    }

    if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
        if (argc < 3) {
            err("-c: command expected");
            return 2;
        }
        /* sh -c CMD [NAME [ARGS...]]: $0 is NAME */
        if (argc > 3) {
            pos = argv + 3;
            npos = argc - 3;
        } else {
            pos = argv;
            npos = 1;
        }
        char *text = xstrdup(argv[2]);
        run_text(text);
        free(text);
        return last_status;
    }
    if (argc >= 2) {
        pos = argv + 1;
        npos = argc - 1;
        char *text = read_file(argv[1]);
        if (!text)
            return 127;
        run_text(text);
        free(text);
        return last_status;
    }

    pos = argv;
    npos = 1;
    struct stat st;
    interactive = !(fstat(0, &st) == 0 && S_ISREG(st.st_mode));
    for (;;) {
        reap_jobs();
        /* The boot row of make bench ends at the first prompt: a NOP the
         * cost-model plugin (tools/bench/model.c) recognises. */
        __asm__ volatile("nopl 0x53504204(%%rax)" : : : "memory");
        if (interactive)
            putstr(1, "$ ");
        char *line = read_line_fd(0);
        if (!line)
            break;
        run_line(line);
        free(line);
    }
    if (interactive)
        putstr(1, "\n");
    return last_status;
}
