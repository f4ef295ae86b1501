/* mkdir PATH...: creates each directory. Exit 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <kernelist.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkdir PATH...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (mkdir(argv[i]) < 0) {
            fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
            failed = 1;
        }
    }
    return failed;
}
