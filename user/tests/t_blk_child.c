/* Helper for t_blk_bad (not in the manifest): floods the kernel's block
 * request table. It waits for its parent to put a block capability (read
 * only, blocks [8192, 9216)) and a notification capability in its table,
 * submits reads until the kernel refuses (BLK_ENV_MAX of them, never
 * reaped), checks a few refusals, rings channel 1 (or 2 if a check failed)
 * and keeps submitting until it is killed. */
#include "../../lib/exo/exo.h"

int main(void)
{
    struct cap_info ci;
    uint32_t b = 0, n = 0;
    while (!b || !n) {
        for (uint32_t s = 1; s < 64; s++) {
            if (sys_cap_inspect(s, &ci) < 0)
                continue;
            if (ci.type == CAP_BLOCK)
                b = s;
            if (ci.type == CAP_NOTIFY)
                n = s;
        }
        if (!b || !n)
            sys_yield(-1);
    }
    long f = sys_frame_alloc_in(CAP_SELF, -1, 4); /* 16 pages */
    struct blk_req reqs[16];
    for (int i = 0; i < 16; i++)
        reqs[i] = (struct blk_req){.block = 8192 + (uint64_t)i * 16,
                                   .count = 16,
                                   .op = BLK_READ,
                                   .cap = b,
                                   .frame = (uint32_t)f};
    int ok = f > 0, sent = 0;
    long r;
    while ((r = sys_blk_submit(reqs, 16, CAP_SELF, 0)) == 16)
        sent += 16;
    ok &= r == -E_AGAIN && sent == BLK_ENV_MAX;
    /* Its capability is read-only and covers [8192, 9216) only. */
    reqs[0].op = BLK_WRITE;
    ok &= sys_blk_submit(reqs, 1, CAP_SELF, 0) == -E_PERM;
    reqs[0].op = BLK_READ;
    reqs[0].block = 0;
    ok &= sys_blk_submit(reqs, 1, CAP_SELF, 0) == -E_RANGE;
    ok &= sys_dev_open(DEV_DISK) == -E_PERM; /* not a root env */
    sys_notify_signal(n, ok ? 1 : 2);
    for (;;) /* keep the kernel busy until killed */
        sys_blk_submit(reqs, 16, CAP_SELF, 0), sys_yield(-1);
}
