/* sleep MS: sleeps for MS milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    char *end;
    long ms = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *argv[1] == 0 || *end != 0 || ms < 0) {
        fprintf(stderr, "usage: sleep MILLISECONDS\n");
        return 2;
    }
    if (msleep((unsigned)ms) < 0) {
        perror("sleep");
        return 1;
    }
    return 0;
}
