/* spawnbomb: process exhaustion.
 *   spawnbomb          spawns sleeping children until spawn fails with -EAGAIN or -ENOMEM, kills and
 *                      reaps them all, checks that spawning works again, and does it a second time to
 *                      see that the same number of processes fit (no slot or memory leaked).
 *   spawnbomb chain    each process spawns the next until spawn fails; each waits for its child and
 *                      exits with its status, so the whole chain is reaped from the bottom up.
 *   spawnbomb sleeper  sleeps for a minute (the flat bomb's children). */
#include "utest.h"

#define MAX_CHILDREN 20000 /* a kernel that allows more than this has no limit worth the name */

static int pids[MAX_CHILDREN];

/* Spawns sleepers until the kernel refuses; returns how many started. */
static int fill(void)
{
    char *argv[] = { "/test/spawnbomb", "sleeper", NULL };
    int n = 0;
    for (; n < MAX_CHILDREN; n++) {
        int pid = sys_spawn(argv[0], argv);
        if (pid < 0) {
            if (pid != -EAGAIN && pid != -ENOMEM)
                FAIL("spawn number %d = %d (%s), want -EAGAIN or -ENOMEM", n + 1, pid, errno_name(-pid));
            return n;
        }
        pids[n] = pid;
    }
    FAIL("spawned %d processes without hitting a limit", n);
    return n;
}

/* Kills and reaps n children; each must end as killed. */
static void reap(int n)
{
    for (int i = 0; i < n; i++) {
        int r = sys_kill(pids[i]);
        if (r != 0)
            FAIL("kill(%d) = %d (%s)", pids[i], r, errno_name(-r));
    }
    for (int i = 0; i < n; i++) {
        int status = 0;
        int r = sys_wait(pids[i], &status);
        if (r != pids[i])
            FAIL("wait(%d) = %d (%s)", pids[i], r, errno_name(-r));
        else if (status != W_KILLED(KILL_BY_SIGNAL))
            FAIL("child %d status 0x%x, want killed (0x%x)", pids[i], status, W_KILLED(KILL_BY_SIGNAL));
    }
    int status;
    CHECK_RAW(sys_wait(-1, &status), -ECHILD);
}

/* After a bomb the kernel must run programs again. */
static void check_spawn_works(void)
{
    char *argv[] = { "/bin/true", NULL };
    int status = utest_run(argv);
    if (status != 0)
        FAIL("/bin/true after the bomb: status %d", status);
}

static int flat(void)
{
    int first = fill();
    reap(first);
    check_spawn_works();
    int second = fill();
    reap(second);
    check_spawn_works();
    CHECK(first >= 2);
    if (second < first - 1)
        FAIL("first bomb started %d processes, the second only %d: something leaked", first, second);
    utest_exit();
}

static int chain(void)
{
    char *argv[] = { "/test/spawnbomb", "chain", NULL };
    int pid = sys_spawn(argv[0], argv);
    if (pid == -EAGAIN || pid == -ENOMEM)
        return 0; /* the bottom of the chain */
    if (pid < 0) {
        dprintf(2, "spawnbomb chain: spawn = %d (%s)\n", pid, errno_name(-pid));
        return 1;
    }
    int status = 0;
    int r = sys_wait(pid, &status);
    if (r != pid) {
        dprintf(2, "spawnbomb chain: wait = %d (%s)\n", r, errno_name(-r));
        return 1;
    }
    if (status != 0 && WEXITSTATUS(status) == 0)
        return 1; /* killed */
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    utest_name = "spawnbomb";
    if (argc == 1)
        return flat();
    if (argc == 2 && strcmp(argv[1], "sleeper") == 0) {
        sys_sleep(60000);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "chain") == 0)
        return chain();
    dprintf(2, "usage: spawnbomb [chain|sleeper]\n");
    return 2;
}
