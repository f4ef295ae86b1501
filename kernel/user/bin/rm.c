/* rm PATH...: removes files and empty directories. Exit 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: rm PATH...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (unlink(argv[i]) < 0) {
            fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
            failed = 1;
        }
    }
    return failed;
}
