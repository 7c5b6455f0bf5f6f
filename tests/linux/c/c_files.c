/* Files: open/creat flags, read, write, lseek, pread/pwrite, fstat, rename,
 * unlink, mkdir/rmdir, directory listing, dup/dup2, O_APPEND, ftruncate, and
 * the errors of each (under /tmp/c_files, removed at the end). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "common.h"

#define D "/tmp/c_files"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    umask(022);
    TRY("mkdir", mkdir(D, 0755));
    TRY("mkdir again", mkdir(D, 0755));
    int fd = open(D "/a", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    say("open a: %s\n", fd >= 0 ? "ok" : errname(errno));
    TRY("write", write(fd, "hello, world\n", 13));
    TRY("lseek end", lseek(fd, 0, SEEK_END));
    TRY("lseek set", lseek(fd, 7, SEEK_SET));
    TRY("write middle", write(fd, "WORLD", 5));
    TRY("lseek hole", lseek(fd, 100, SEEK_SET));
    TRY("write after hole", write(fd, "!", 1));
    TRY("read on O_WRONLY", read(fd, (char[4]){0}, 4));
    struct stat st;
    TRY("fstat", fstat(fd, &st));
    say("size %ld regular %d mode %o\n", (long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 0777);
    TRY("close", close(fd));
    TRY("close again", close(fd));

    char buf[256] = {0};
    fd = open(D "/a", O_RDONLY);
    TRY("read", read(fd, buf, sizeof buf));
    say("text [%.13s] hole bytes zero: %d\n", buf, buf[13] == 0 && buf[99] == 0 && buf[100] == '!');
    TRY("read at eof", read(fd, buf, sizeof buf));
    TRY("pread", pread(fd, buf, 5, 7));
    say("pread [%.5s]\n", buf);
    TRY("write on O_RDONLY", write(fd, "x", 1));
    TRY("lseek negative", lseek(fd, -1, SEEK_SET));
    int fd2 = dup(fd);
    TRY("lseek via dup", lseek(fd2, 2, SEEK_SET));
    TRY("position shared", lseek(fd, 0, SEEK_CUR));
    close(fd2);
    close(fd);

    fd = open(D "/a", O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    TRY("append", write(fd, "tail\n", 5));
    TRY("size after append", lseek(fd, 0, SEEK_END));
    TRY("ftruncate", ftruncate(fd, 5));
    fstat(fd, &st);
    say("size after truncate %ld\n", (long)st.st_size);
    close(fd);

    TRY("open excl existing", open(D "/a", O_WRONLY | O_CREAT | O_EXCL, 0644));
    TRY("open missing", open(D "/missing", O_RDONLY));
    TRY("open dir for writing", open(D, O_WRONLY));
    TRY("open file as dir", open(D "/a", O_RDONLY | O_DIRECTORY));
    TRY("open through a file", open(D "/a/b", O_RDONLY));
    TRY("rename", rename(D "/a", D "/b"));
    TRY("stat old name", stat(D "/a", &st));
    TRY("stat new name", stat(D "/b", &st));
    TRY("mkdir sub", mkdir(D "/sub", 0700));
    for (int i = 0; i < 5; i++) {
        char p[64];
        snprintf(p, sizeof p, D "/sub/f%d", 4 - i);
        close(open(p, O_WRONLY | O_CREAT, 0600));
    }
    TRY("rmdir non-empty", rmdir(D "/sub"));
    TRY("unlink dir", unlink(D "/sub"));
    TRY("rmdir file", rmdir(D "/b"));

    DIR *d = opendir(D "/sub");
    char *names[16];
    int n = 0, dots = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            continue;
        }
        if (n < 16)
            names[n++] = strdup(e->d_name);
        say("%s", e->d_type == DT_REG ? "" : "(not DT_REG) ");
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    say("listing (%d dot entries):", dots);
    for (int i = 0; i < n; i++) {
        say(" %s", names[i]);
        char p[64];
        snprintf(p, sizeof p, D "/sub/%s", names[i]);
        unlink(p);
        free(names[i]);
    }
    say("\n");
    TRY("chdir", chdir(D "/sub"));
    char cwd[128];
    say("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : errname(errno));
    TRY("relative create", open("rel", O_WRONLY | O_CREAT, 0644) >= 0);
    TRY("stat relative", stat(D "/sub/rel", &st));
    TRY("unlink relative", unlink("rel"));
    TRY("chdir ..", chdir(".."));
    say("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : errname(errno));
    TRY("rmdir sub", rmdir("sub"));
    TRY("unlink b", unlink("b"));
    TRY("unlink b again", unlink("b"));
    chdir("/");
    TRY("rmdir", rmdir(D));
    return 0;
}
