/* Helpers shared by the user-space test programs (kernel/user/tests/NAME.c -> /test/NAME).
 * A test program stays silent while its checks hold and prints one line per failed check on
 * standard error; it exits 0 when every check held, 1 otherwise (utest_exit), 2 on bad usage.
 * Programs that expect to be killed by a fault exit UTEST_SURVIVED if the fault never came.
 * kernel/core/user_tests.c runs them and checks the wait status (uapi/wait.h). */
#ifndef KL_USER_UTEST_H
#define KL_USER_UTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <kernelist.h>

#define UTEST_SURVIVED 3 /* the instruction that should have faulted did not */

static int utest_failures __attribute__((unused));
static const char *utest_name __attribute__((unused)) = "utest";
static int utest_last_pid __attribute__((unused)); /* the pid utest_capture's spawn returned */

/* Records a failed check and prints where and why. */
__attribute__((format(printf, 2, 3), unused)) static void utest_fail_at(int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dprintf(2, "%s:%d: %s\n", utest_name, line, msg);
    utest_failures++;
}

#define FAIL(...) utest_fail_at(__LINE__, __VA_ARGS__)
#define CHECK(cond) do { if (!(cond)) FAIL("check failed: %s", #cond); } while (0)
/* Checks that a raw call (sys_*) returned exactly want; prints the errno name of what it got. */
#define CHECK_RAW(expr, want) do {                                                         \
        int got_ = (int)(expr);                                                            \
        int want_ = (int)(want);                                                           \
        if (got_ != want_)                                                                 \
            FAIL("%s = %d (%s), want %d (%s)", #expr, got_, got_ < 0 ? errno_name(-got_) : "ok", \
                 want_, want_ < 0 ? errno_name(-want_) : "ok");                            \
    } while (0)
#define CHECK_OK(expr) do {                                                                \
        int got_ = (int)(expr);                                                            \
        if (got_ < 0)                                                                      \
            FAIL("%s = %d (%s), want success", #expr, got_, errno_name(-got_));           \
    } while (0)

/* Exits 0 when every check held, else 1. */
static inline __attribute__((noreturn)) void utest_exit(void)
{
    exit(utest_failures ? 1 : 0);
}

/* Spawns argv[0] with argv, waits and returns its wait status; -1000 + -errno on failure. */
static inline int utest_run(char *const argv[])
{
    int pid = sys_spawn(argv[0], argv);
    if (pid < 0)
        return -1000 + pid;
    int status = 0;
    int r = sys_wait(pid, &status);
    if (r != pid)
        return -2000 + r;
    return status;
}

/* Spawns argv[0] with standard output sent into a pipe, and reads all it writes into buf
 * (at most size-1 bytes, NUL-terminated). Returns the child's wait status, or < 0 on failure. */
static inline int utest_capture(char *const argv[], int which_fd, char *buf, int size)
{
    int p[2];
    if (sys_pipe(p) < 0)
        return -1;
    int saved = 12;
    sys_dup2(which_fd, saved);
    sys_dup2(p[1], which_fd);
    sys_close(p[1]);
    int pid = sys_spawn(argv[0], argv);
    utest_last_pid = pid;
    sys_dup2(saved, which_fd);
    sys_close(saved);
    if (pid < 0) {
        sys_close(p[0]);
        return -1000 + pid;
    }
    int len = 0;
    for (;;) {
        char chunk[256];
        int n = sys_read(p[0], chunk, sizeof chunk);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++)
            if (len < size - 1)
                buf[len++] = chunk[i];
    }
    buf[len] = 0;
    sys_close(p[0]);
    int status = 0;
    if (sys_wait(pid, &status) != pid)
        return -2;
    return status;
}

#endif
