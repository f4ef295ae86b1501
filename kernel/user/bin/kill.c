/* kill PID...: ends each process (its wait status becomes "killed"). Exit 1 if any failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kill PID...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*argv[i] == 0 || *end != 0 || pid <= 0) {
            fprintf(stderr, "kill: %s: not a process id\n", argv[i]);
            failed = 1;
            continue;
        }
        if (kill((int)pid) < 0) {
            fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
            failed = 1;
        }
    }
    return failed;
}
