/* procs: getpid, spawn, wait, kill, procinfo, meminfo, and unknown system calls.
 *   procs            the checks
 *   procs exit N     exits with status N
 *   procs pid        prints its pid and its parent's (from procinfo) on standard output
 *   procs selfkill   kills itself (its status must be "killed") */
#include "utest.h"

/* Finds pid in the process table; fills *out and returns 1, or returns 0. */
static int find_proc(int pid, struct kl_procinfo *out)
{
    for (int i = 0; i < 4096; i++) {
        int r = sys_procinfo(i, out);
        if (r <= 0)
            return 0;
        if (r == 1 && out->pid == pid)
            return 1;
    }
    return 0;
}

static int print_pid(void)
{
    struct kl_procinfo me;
    int pid = sys_getpid();
    printf("%d %d\n", pid, find_proc(pid, &me) ? me.parent : -1);
    return 0;
}

static void exits_and_waits(void)
{
    static const int codes[] = { 0, 1, 7, 200, 255 };
    int pids[5];
    for (int i = 0; i < 5; i++) {
        char code[8];
        snprintf(code, sizeof code, "%d", codes[i]);
        char *argv[] = { "/test/procs", "exit", code, NULL };
        pids[i] = sys_spawn(argv[0], argv);
        CHECK(pids[i] > 0);
        for (int k = 0; k < i; k++)
            CHECK(pids[k] != pids[i]);
    }
    int status = -1;
    CHECK_RAW(sys_wait(pids[2], &status), pids[2]);    /* a given child, out of order */
    CHECK(status == W_EXITED(7));
    int seen = 0;
    for (int i = 0; i < 4; i++) {                        /* then any child */
        int pid = sys_wait(-1, &status);
        int k = 0;
        while (k < 5 && pids[k] != pid)
            k++;
        if (k == 5 || k == 2 || (seen & (1 << k))) {
            FAIL("wait(-1) = %d: not a child still waited for", pid);
            continue;
        }
        seen |= 1 << k;
        if (status != W_EXITED(codes[k]))
            FAIL("child %d status 0x%x, want exit %d", pid, status, codes[k]);
    }
    CHECK_RAW(sys_wait(-1, &status), -ECHILD);          /* none left */
    CHECK_RAW(sys_wait(pids[0], &status), -ECHILD);     /* already reaped */
    CHECK_RAW(sys_wait(1, &status), -ECHILD);           /* not our child */
    CHECK_RAW(sys_spawn("/no/such/program", (char *[]){ "x", NULL }), -ENOENT);
    int r = sys_spawn("/bin", (char *[]){ "x", NULL });
    if (r != -EISDIR && r != -ENOEXEC)
        FAIL("spawn of a directory = %d (%s), want -EISDIR or -ENOEXEC", r, errno_name(-r));
    CHECK_RAW(sys_spawn("/etc/motd", (char *[]){ "x", NULL }), -ENOEXEC);
}

static void pids_and_table(void)
{
    int me = sys_getpid();
    CHECK(me > 0);
    CHECK(sys_getpid() == me);
    struct kl_procinfo info;
    if (!find_proc(me, &info)) {
        FAIL("procinfo does not list our pid %d", me);
    } else {
        CHECK(strstr(info.name, "procs") != NULL);
        CHECK(info.state == KL_PROC_RUNNABLE);
        CHECK(info.memory_kib > 0);
    }
    char out[64];
    char *argv[] = { "/test/procs", "pid", NULL };
    int status = utest_capture(argv, 1, out, sizeof out);
    CHECK(status == 0);
    int child_pid = atoi(out);
    const char *space = strchr(out, ' ');
    int child_parent = space ? atoi(space + 1) : -2;
    CHECK(child_pid > 0 && child_pid != me);
    if (child_pid != utest_last_pid)
        FAIL("the child says getpid() = %d, spawn returned %d", child_pid, utest_last_pid);
    if (child_parent != me)
        FAIL("the child's parent is %d in procinfo, want %d", child_parent, me);
    struct kl_meminfo m;
    CHECK_OK(sys_meminfo(&m));
    CHECK(m.total_kib >= 1024);
    CHECK(m.free_kib > 0 && m.free_kib < m.total_kib);
    CHECK(m.user_kib > 0 && m.user_kib < m.total_kib);
}

static void kills(void)
{
    char *argv[] = { "/bin/sleep", "60000", NULL };
    int pid = sys_spawn(argv[0], argv);
    CHECK(pid > 0);
    struct kl_procinfo info;
    int asleep = 0;
    for (int tries = 0; tries < 100 && !asleep; tries++) { /* give it up to a second to fall asleep */
        sys_sleep(10);
        asleep = find_proc(pid, &info) && info.state == KL_PROC_SLEEPING;
    }
    if (!asleep)
        FAIL("procinfo never showed the sleeping child %d as sleeping", pid);
    CHECK_RAW(sys_kill(pid), 0);
    int status = 0;
    CHECK_RAW(sys_wait(pid, &status), pid);
    if (status != W_KILLED(KILL_BY_SIGNAL))
        FAIL("killed child status 0x%x, want 0x%x", status, W_KILLED(KILL_BY_SIGNAL));
    CHECK_RAW(sys_kill(pid), -ESRCH);                    /* gone */
    CHECK_RAW(sys_kill(99999), -ESRCH);
    int r = sys_kill(0);                                 /* no user process has pid 0 */
    if (r != -ESRCH && r != -EPERM)
        FAIL("kill(0) = %d (%s), want -ESRCH or -EPERM", r, errno_name(-r));
    r = sys_kill(-5);
    if (r != -ESRCH && r != -EINVAL)
        FAIL("kill(-5) = %d (%s), want -ESRCH or -EINVAL", r, errno_name(-r));

    /* a runnable child (busy in a loop) can be killed too */
    char *busy[] = { "/test/procs", "spin", NULL };
    pid = sys_spawn(busy[0], busy);
    CHECK(pid > 0);
    sys_sleep(20);
    CHECK_RAW(sys_kill(pid), 0);
    CHECK_RAW(sys_wait(pid, &status), pid);
    CHECK(status == W_KILLED(KILL_BY_SIGNAL));
}

static void unknown_calls(void)
{
    CHECK_RAW(sys_call(0, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_RAW(sys_call(SYSCALL_COUNT, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_RAW(sys_call(999, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_RAW(sys_call(-1, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_RAW(sys_call((int)0x80000000u, 0, 0, 0, 0, 0), -ENOSYS);
    struct kl_procinfo info;
    CHECK_RAW(sys_procinfo(-1, &info), -EINVAL);
    CHECK_RAW(sys_procinfo(100000, &info), 0);
}

int main(int argc, char **argv)
{
    utest_name = "procs";
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    if (argc == 2 && strcmp(argv[1], "pid") == 0)
        return print_pid();
    if (argc == 2 && strcmp(argv[1], "spin") == 0)
        for (;;)
            __asm__ volatile("" ::: "memory");
    if (argc == 2 && strcmp(argv[1], "selfkill") == 0) {
        sys_kill(sys_getpid());
        dprintf(2, "procs selfkill: still alive\n");
        return UTEST_SURVIVED;
    }
    if (argc != 1) {
        dprintf(2, "usage: procs [exit N | pid | spin | selfkill]\n");
        return 2;
    }
    pids_and_table();
    exits_and_waits();
    kills();
    unknown_calls();
    utest_exit();
}
