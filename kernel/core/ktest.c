/* The in-kernel test framework (include/kernel/ktest.h): tests are struct ktest records the linker
 * gathers in .ktests (linker.ld: _ktests_start.._ktests_end). They run one after another in process 0,
 * which may block (ktest_run_program waits for a user program). */
#include <kernel/ktest.h>
#include <kernel/ktest_run.h>
#include <kernel/sched.h>
#include <kernel/serial.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/errno.h>
#include <uapi/wait.h>

#define PROGRAM_TIMEOUT_MS 60000

extern const struct ktest _ktests_start[], _ktests_end[];

enum outcome { PASSED, FAILED, SKIPPED };

static enum outcome outcome;
static char reason[160];

/* Records the first reason for failing or skipping. */
static void stop(enum outcome o, const char *fmt, va_list ap)
{
    if (outcome != PASSED)
        return;
    outcome = o;
    kvsnprintf(reason, sizeof reason, fmt, ap);
}

void ktest_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    stop(FAILED, fmt, ap);
    va_end(ap);
}

void ktest_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    stop(SKIPPED, fmt, ap);
    va_end(ap);
}

int ktest_stopped(void) { return outcome != PASSED; }

int ktest_run_program(const char *path, char *const argv[], int *status)
{
    int argc = 0;
    while (argv && argv[argc])
        argc++;
    char *const none[] = { (char *)path, NULL };
    int pid = proc_spawn(path, argv ? argc : 1, argv ? argv : none);
    if (pid < 0)
        return pid;
    for (uint32_t waited = 0;; waited += 10) {
        int r = proc_wait_nohang(pid, status);
        if (r == pid)
            return 0;
        if (r < 0)
            return r;
        if (waited >= PROGRAM_TIMEOUT_MS) {
            kprintf("ktest: %s ran for %u ms: killing it\n", path, waited);
            proc_kill(pid);
        }
        sched_sleep_ms(10);
    }
}

/* Runs one test and prints its line; returns its outcome. */
static enum outcome run_one(const struct ktest *t)
{
    outcome = PASSED;
    reason[0] = 0;
    t->run();
    if (outcome == PASSED)
        kprintf("KTEST PASS %s\n", t->name);
    else if (outcome == FAILED)
        kprintf("KTEST FAIL %s: %s\n", t->name, reason);
    else
        kprintf("KTEST SKIP %s: %s\n", t->name, reason);
    return outcome;
}

/* The test called name (length n), or NULL. */
static const struct ktest *find(const char *name, size_t n)
{
    for (const struct ktest *t = _ktests_start; t < _ktests_end; t++)
        if (strlen(t->name) == n && strncmp(t->name, name, n) == 0)
            return t;
    return NULL;
}

void ktest_main(const char *spec)
{
    unsigned counts[3] = { 0, 0, 0 };
    kprintf("ktest: %u tests registered; running %s\n", (unsigned)(_ktests_end - _ktests_start), spec);
    if (strcmp(spec, "all") == 0) {
        for (const struct ktest *t = _ktests_start; t < _ktests_end; t++)
            counts[run_one(t)]++;
    } else {
        for (const char *s = spec; *s;) {
            const char *e = s;
            while (*e && *e != ',')
                e++;
            const struct ktest *t = find(s, (size_t)(e - s));
            if (t) {
                counts[run_one(t)]++;
            } else if (e > s) {
                char name[64];
                size_t n = (size_t)(e - s) < sizeof name - 1 ? (size_t)(e - s) : sizeof name - 1;
                memcpy(name, s, n);
                name[n] = 0;
                kprintf("KTEST FAIL %s: no such test\n", name);
                counts[FAILED]++;
            }
            s = *e ? e + 1 : e;
        }
    }
    if (counts[SKIPPED])
        kprintf("%u passed, %u failed, %u skipped\n", counts[PASSED], counts[FAILED], counts[SKIPPED]);
    else
        kprintf("%u passed, %u failed\n", counts[PASSED], counts[FAILED]);
    serial_flush();
    outb(0xF4, counts[FAILED] ? 1 : 0);
    kprintf("ktest: no isa-debug-exit device at port 0xf4; halting\n");
    serial_flush();
    cli();
    for (;;)
        hlt();
}
