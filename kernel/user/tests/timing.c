/* timing: uptime, sleep, time and yield. */
#include "utest.h"

int main(int argc, char **argv)
{
    (void)argv;
    utest_name = "timing";
    if (argc != 1) {
        dprintf(2, "usage: timing\n");
        return 2;
    }
    int t0 = sys_uptime();
    CHECK(t0 >= 0);
    CHECK_RAW(sys_sleep(250), 0);
    int t1 = sys_uptime();
    if (t1 - t0 < 250 || t1 - t0 > 5000)
        FAIL("sleep(250) took %d ms of uptime", t1 - t0);
    CHECK_RAW(sys_sleep(0), 0);
    CHECK_RAW(sys_yield(), 0);
    CHECK(sys_uptime() >= t1);

    int now = sys_time();
    if (now < 1577836800 || now >= 2145916800) /* 2020-01-01 .. 2038-01-01 */
        FAIL("time() = %d is not a plausible date", now);
    int s0 = sys_time();
    sys_sleep(1100);
    int s1 = sys_time();
    if (s1 - s0 < 1 || s1 - s0 > 3)
        FAIL("time() moved %d s across a 1.1 s sleep", s1 - s0);
    utest_exit();
}
