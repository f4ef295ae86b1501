/* echo [-n] [WORD...]: prints the words separated by spaces, then a newline unless -n. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int first = 1, newline = 1;
    if (argc > 1 && strcmp(argv[1], "-n") == 0) {
        newline = 0;
        first = 2;
    }
    size_t len = 1;
    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char line[len];  /* one write, so a pipe reader sees the line at once */
    size_t at = 0;
    for (int i = first; i < argc; i++) {
        if (i > first)
            line[at++] = ' ';
        size_t n = strlen(argv[i]);
        memcpy(line + at, argv[i], n);
        at += n;
    }
    if (newline)
        line[at++] = '\n';
    return write_all(1, line, at) < 0 ? 1 : 0;
}
