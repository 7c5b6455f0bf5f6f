/*
 * tools/bench/icount.c - a QEMU (7.2) TCG plugin for make bench-net: counts
 * the guest's instructions (one vCPU) and writes the running total to a
 * file every 50 ms of host time, so that a script can read the count
 * before and after a load run and divide by the requests served.
 *
 *   -plugin icount.so,out=FILE
 *
 * The count is an inline add per translated block executed (the block's
 * instruction count), so it costs the guest little. A block left in the
 * middle (a fault, an interrupt) still counts whole: the total is exact to
 * within those. Built at bench time against qemu-plugin.h from Debian's
 * qemu source package (tools/bench/plugin-header.sh).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t insns; /* written by the vCPU's inline adds, read by the writer thread */
static char out[512];

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns,
                                             qemu_plugin_tb_n_insns(tb));
}

/* Writes the count to out.tmp, renamed to out (a reader never sees half). */
static void dump(void)
{
    char tmp[530];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%llu\n", (unsigned long long)__atomic_load_n(&insns, __ATOMIC_RELAXED));
    fclose(f);
    rename(tmp, out);
}

static void *writer(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    for (;;) {
        dump();
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    dump();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            snprintf(out, sizeof out, "%s", argv[i] + 4);
    if (!out[0])
        return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    pthread_t t;
    return pthread_create(&t, NULL, writer, NULL) == 0 ? 0 : -1;
}
