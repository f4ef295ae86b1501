/* Line input, one byte per read() so that a child sharing the descriptor sees everything after. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

int readline(int fd, char *buf, int size)
{
    int len = 0, got_any = 0;
    for (;;) {
        char c;
        int r = read(fd, &c, 1);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (!got_any) {
                errno = 0;
                return -1;
            }
            break;
        }
        got_any = 1;
        if (c == '\n')
            break;
        if (len < size - 1)
            buf[len++] = c;
    }
    if (size > 0)
        buf[len] = 0;
    return len;
}

int getchar(void)
{
    unsigned char c;
    return read(0, &c, 1) == 1 ? c : EOF;
}

char *fgets(char *buf, int size, FILE *f)
{
    int len = 0;
    if (size <= 0)
        return NULL;
    while (len < size - 1) {
        char c;
        int r = read(f->fd, &c, 1);
        if (r <= 0)
            break;
        buf[len++] = c;
        if (c == '\n')
            break;
    }
    if (len == 0)
        return NULL;
    buf[len] = 0;
    return buf;
}
