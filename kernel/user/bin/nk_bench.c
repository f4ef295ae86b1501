/* nk_bench [FIGURE[:N]]...: lmbench-style costs for the Nested Kernel comparison (docs/nested-kernel.md
 * "Measurements"). Each figure runs N times between two RDTSC reads (our machine: the TSC counts retired
 * guest instructions; QEMU: time) and prints
 *   nk-bench FIGURE iterations=N tsc=0xT (64 bits, hex)
 * Figures: null (getpid), openclose (open + close of /bin/true), sbrk (256 pages up, then down), spawn
 * (spawn /bin/true + wait), yield (sched_yield against a second process that yields back: two context
 * switches per iteration), pipe (lmbench's lat_ctx/lat_pipe ping-pong: one byte to a second process over one
 * pipe and back over another, each read blocking: two context switches per iteration). "nk_bench yielder N"
 * and "nk_bench ponger RFD WFD" are those second processes. There is no spawn+exec figure: spawn already
 * loads a new program (there is no fork to copy an address space, nor an exec to replace one), so it is
 * the counterpart of both lmbench's fork+exit and fork+execve. Exit 0, 1 on a failed call, 2 usage. */
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

/* The pipe figure's ends in this process: it writes to_partner, reads from_partner. */
static int to_partner = -1, from_partner = -1;

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
    if (strcmp(name, "pipe") == 0) {
        char byte = 'p';
        return sys_write(to_partner, &byte, 1) == 1 && sys_read(from_partner, &byte, 1) == 1 ? 0 : -1;
    }
    return -2;
}

/* Starts the pipe figure's partner (nk_bench ponger) over two new pipes; its pid, or -1. */
static int start_ponger(void)
{
    int down[2], up[2];
    if (sys_pipe(down) < 0)
        return -1;
    if (sys_pipe(up) < 0) {
        sys_close(down[0]);
        sys_close(down[1]);
        return -1;
    }
    char rfd[12], wfd[12];
    snprintf(rfd, sizeof rfd, "%d", down[0]);
    snprintf(wfd, sizeof wfd, "%d", up[1]);
    char *argv[] = { "/bin/nk_bench", "ponger", rfd, wfd, NULL };
    int pid = sys_spawn("/bin/nk_bench", argv);
    /* The partner holds its own copies; ours of its ends would keep its reads from seeing end of file. */
    sys_close(down[0]);
    sys_close(up[1]);
    to_partner = down[1];
    from_partner = up[0];
    return pid;
}

/* nk_bench ponger RFD WFD: echoes every byte read from RFD to WFD until end of file; 0, or 1 on an error. */
static int ponger(int rfd, int wfd)
{
    /* Close what we inherited besides our two ends and the console, above all the parent's write end of
     * our input pipe, without which our read would never see end of file. */
    for (int fd = 3; fd < 16; fd++)
        if (fd != rfd && fd != wfd)
            sys_close(fd);
    char byte;
    int got;
    while ((got = sys_read(rfd, &byte, 1)) == 1)
        if (sys_write(wfd, &byte, 1) != 1)
            return 1;
    return got == 0 ? 0 : 1;
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
    if (strcmp(name, "pipe") == 0 && (partner = start_ponger()) < 0)
        return 1;
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
        if (to_partner >= 0) { /* end of file ends the ponger: it must exit with 0 */
            sys_close(to_partner);
            sys_close(from_partner);
            to_partner = from_partner = -1;
            if (sys_wait(partner, &status) != partner || status != 0)
                return 1;
        } else {
            sys_kill(partner);
            sys_wait(partner, &status);
        }
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
    if (argc == 4 && strcmp(argv[1], "ponger") == 0)
        return ponger((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10));
    static const char *const all[] = { "null:20000", "openclose:2000", "sbrk:200", "spawn:100", "yield:5000", "pipe:5000" };
    int rc = 0;
    for (int i = 1; i < (argc > 1 ? argc : (int)(sizeof all / sizeof all[0]) + 1); i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "%s", argc > 1 ? argv[i] : all[i - 1]);
        char *colon = strchr(spec, ':');
        unsigned n = colon ? (unsigned)strtol(colon + 1, NULL, 10) : 1000;
        if (colon)
            *colon = 0;
        int r = figure(spec, n);
        if (r == 2) {
            fprintf(stderr, "nk_bench: unknown figure '%s' (null, openclose, sbrk, spawn, yield, pipe)\n", spec);
            return 2;
        }
        rc |= r;
    }
    return rc;
}
