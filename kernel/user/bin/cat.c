/* cat [FILE...]: copies each FILE (or standard input for none or "-") to standard output.
 * Exit 1 if any file failed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

/* Copies fd to standard output; returns 0 or 1 after printing an error about name. */
static int copy(int fd, const char *name)
{
    char buf[512];
    for (;;) {
        int n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
            return 1;
        }
        if (write_all(1, buf, (size_t)n) < 0) {
            fprintf(stderr, "cat: write: %s\n", strerror(errno));
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return copy(0, "stdin");
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            failed |= copy(0, "stdin");
            continue;
        }
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            failed = 1;
            continue;
        }
        failed |= copy(fd, argv[i]);
        close(fd);
    }
    return failed;
}
