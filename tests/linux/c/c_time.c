/* Time: clock_gettime (MONOTONIC, REALTIME, the CPU clocks), clock_getres,
 * gettimeofday and time agreeing with CLOCK_REALTIME, nanosleep and
 * clock_nanosleep (relative and TIMER_ABSTIME) sleeping at least as long as
 * asked, EINVAL for bad arguments. Only facts, never the times themselves. */
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include "common.h"

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
static int64_t now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns(t);
}

int main(void)
{
    struct timespec t, r;
    TRY("clock_gettime MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &t));
    TRY("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &t));
    say("realtime after 2020: %d, nsec in range: %d\n", t.tv_sec > 1577836800,
        t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
    TRY("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &r));
    say("resolution at most 10 ms: %d\n", r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000);
    TRY("clock_gettime bad clock", clock_gettime((clockid_t)12345, &t));

    /* monotonic never goes back */
    int64_t prev = now(CLOCK_MONOTONIC);
    int back = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t n = now(CLOCK_MONOTONIC);
        back += n < prev;
        prev = n;
    }
    say("monotonic went back: %d times\n", back);

    /* gettimeofday and time() agree with CLOCK_REALTIME */
    struct timeval tv;
    TRY("gettimeofday", gettimeofday(&tv, NULL));
    int64_t rt = now(CLOCK_REALTIME);
    int64_t gt = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
    say("gettimeofday within 1 s of REALTIME: %d\n",
        rt - gt >= -1000000000 && rt - gt < 1000000000);
    time_t tt = time(NULL);
    say("time() within 2 s: %d\n",
        tt - (time_t)(rt / 1000000000) <= 2 && tt - (time_t)(rt / 1000000000) >= -2);

    /* nanosleep: at least what was asked, and not absurdly more */
    int64_t t0 = now(CLOCK_MONOTONIC);
    struct timespec d = {0, 50000000};
    TRY("nanosleep 50 ms", nanosleep(&d, NULL));
    int64_t slept = now(CLOCK_MONOTONIC) - t0;
    say("slept at least 50 ms: %d, less than 10 s: %d\n", slept >= 50000000, slept < 10000000000LL);
    t0 = now(CLOCK_MONOTONIC);
    d.tv_sec = 0;
    d.tv_nsec = 200000000;
    TRY("clock_nanosleep relative", clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL));
    slept = now(CLOCK_MONOTONIC) - t0;
    say("slept at least 200 ms: %d\n", slept >= 200000000);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 100000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    TRY("clock_nanosleep absolute", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    say("woke after the deadline: %d\n", now(CLOCK_MONOTONIC) >= ns(until));
    d.tv_sec = 0;
    d.tv_nsec = 1000000000;
    TRY("nanosleep bad nsec", nanosleep(&d, NULL));
    d.tv_sec = -1;
    d.tv_nsec = 0;
    TRY("nanosleep negative", nanosleep(&d, NULL));
    d.tv_sec = 0;
    TRY("nanosleep zero", nanosleep(&d, NULL));

    /* the process's CPU clock moves when we compute */
    int64_t c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    int64_t c1 = now(CLOCK_PROCESS_CPUTIME_ID);
    say("process CPU time advanced: %d\n", c1 > c0);

    /* calendar arithmetic on a fixed time (no clock) */
    time_t fixed = 1234567890;
    struct tm tm;
    gmtime_r(&fixed, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a", &tm);
    say("gmtime: %s, yday %d\n", buf, tm.tm_yday);
    say("timegm round trip: %d\n", (long)timegm(&tm) == 1234567890L);
    return 0;
}
