/* uptime: the time since boot (uptime()) and the wall-clock time (time(), UTC). */
#include <stdio.h>
#include <time.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: uptime\n");
        return 2;
    }
    int ms = uptime_ms();
    if (ms < 0) {
        perror("uptime");
        return 1;
    }
    long now = time(NULL);
    long day = now % 86400;
    unsigned s = (unsigned)ms / 1000;
    printf("up %u:%02u:%02u.%03u, %02ld:%02ld:%02ld UTC\n", s / 3600, s / 60 % 60, s % 60,
           (unsigned)ms % 1000, day / 3600, day / 60 % 60, day % 60);
    return 0;
}
