/* nk_bench [FIGURE[:N]]...: lmbench-style costs for the Nested Kernel comparison (docs/nested-kernel.md
 * "Measurements"). Each figure runs N times between two RDTSC reads (our machine: the TSC counts retired
 * guest instructions; QEMU: time) and prints
 *   nk-bench FIGURE iterations=N tsc=0xT (64 bits, hex)
 * Figures: null (getpid), openclose (open + close of /bin/true), sbrk (256 pages up, then down), spawn
 * (spawn /bin/true + wait), yield (sched_yield against a second process that yields back: two context
 * switches per iteration). "nk_bench yielder N" is that second process. Exit 0, 1 on a failed call, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernelist.h>
#include <uapi/fcntl.h>

static inline unsigned long long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (unsigned long long)hi << 32 | lo;
}

/* One iteration of figure name; 0, or -1 when a call failed. */
static int once(const char *name)
{
    if (strcmp(name, "null") == 0)
        return sys_getpid() > 0 ? 0 : -1;
    if (strcmp(name, "openclose") == 0) {
        int fd = sys_open("/bin/true", O_RDONLY);
        return fd >= 0 && sys_close(fd) == 0 ? 0 : -1;
    }
    if (strcmp(name, "sbrk") == 0) {
        if (sys_sbrk(256 * 4096) == (void *)-12)
            return -1;
        return sys_sbrk(-256 * 4096) == (void *)-12 ? -1 : 0;
    }
    if (strcmp(name, "spawn") == 0) {
        char *argv[] = { "/bin/true", NULL };
        int status, pid = sys_spawn("/bin/true", argv);
        return pid > 0 && sys_wait(pid, &status) == pid && status == 0 ? 0 : -1;
    }
    if (strcmp(name, "yield") == 0)
        return sys_yield() == 0 ? 0 : -1;
    return -2;
}

/* Runs figure name n times and prints its line; 0, 1 (a call failed), 2 (unknown figure). */
static int figure(const char *name, unsigned n)
{
    int partner = 0;
    if (strcmp(name, "yield") == 0) {
        char count[16];
        snprintf(count, sizeof count, "%u", n + 16);
        char *argv[] = { "/bin/nk_bench", "yielder", count, NULL };
        if ((partner = sys_spawn("/bin/nk_bench", argv)) < 0)
            return 1;
        sys_yield();
    }
    if (once(name) == -2)
        return 2;
    unsigned long long t0 = rdtsc();
    for (unsigned i = 0; i < n; i++)
        if (once(name) < 0) {
            printf("nk-bench %s: a call failed at iteration %u\n", name, i);
            return 1;
        }
    unsigned long long t = rdtsc() - t0;
    if (partner > 0) {
        int status;
        sys_kill(partner);
        sys_wait(partner, &status);
    }
    printf("nk-bench %s iterations=%u tsc=0x%08x%08x\n", name, n, (unsigned)(t >> 32), (unsigned)t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "yielder") == 0) {
        for (long i = strtol(argv[2], NULL, 10); i > 0; i--)
            sys_yield();
        return 0;
    }
    static const char *const all[] = { "null:20000", "openclose:2000", "sbrk:200", "spawn:100", "yield:5000" };
    int rc = 0;
    for (int i = 1; i < (argc > 1 ? argc : 6); i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "%s", argc > 1 ? argv[i] : all[i - 1]);
        char *colon = strchr(spec, ':');
        unsigned n = colon ? (unsigned)strtol(colon + 1, NULL, 10) : 1000;
        if (colon)
            *colon = 0;
        int r = figure(spec, n);
        if (r == 2) {
            fprintf(stderr, "nk_bench: unknown figure '%s' (null, openclose, sbrk, spawn, yield)\n", spec);
            return 2;
        }
        rc |= r;
    }
    return rc;
}
