/* In-kernel tests, run by the command line test=all or test=NAME[,NAME...] (kernel/core/ktest.c).
 * Output: "KTEST PASS name" / "KTEST FAIL name: why" / "KTEST SKIP name: reason" per test, then
 * "N passed, N failed" (", N skipped" when any skipped), then the machine exits through port 0xF4
 * with 0 when nothing failed, 1 otherwise. */
#ifndef KERNELIST_KTEST_H
#define KERNELIST_KTEST_H

struct ktest {
    const char *name;
    void (*run)(void);
};

/* Defines and registers a test; the body follows the macro. */
#define KTEST(tname)                                                                \
    static void ktest_body_##tname(void);                                           \
    static const struct ktest ktest_record_##tname                                  \
        __attribute__((used, section(".ktests"), aligned(4))) = { #tname, ktest_body_##tname }; \
    static void ktest_body_##tname(void)

/* Marks the running test failed; the first reason given is the one printed. The test goes on. */
void ktest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Marks the running test skipped: only when a boot probe showed the CPU lacks the mechanism. */
void ktest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True once the running test has failed or skipped (to stop early). */
int ktest_stopped(void);

#define KCHECK(cond) do { if (!(cond)) ktest_fail("%s:%d: %s", __FILE__, __LINE__, #cond); } while (0)

/* Spawns path (from the root filesystem) with argv, waits for it and stores its wait status
 * (uapi/wait.h) in *status. Returns 0, or -errno if it could not be spawned. */
int ktest_run_program(const char *path, char *const argv[], int *status);

#endif
