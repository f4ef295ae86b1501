/* pipes: pipe() and dup2().
 *   pipes          in-process round trips, end of file, -EPIPE, dup2 rules, pipes to and from
 *                  children (/bin/echo, /bin/cat) and a 64 KiB stream from a child
 *   pipes writer N writes N bytes of a known pattern to standard output (the 64 KiB stream) */
#include "utest.h"

/* Byte i of the stream "pipes writer" sends. */
static char pattern(unsigned i) { return (char)('a' + (i * 7 + i / 251) % 26); }

static int writer(unsigned n)
{
    char buf[1000];
    for (unsigned done = 0; done < n;) {
        unsigned k = n - done < sizeof buf ? n - done : sizeof buf;
        for (unsigned i = 0; i < k; i++)
            buf[i] = pattern(done + i);
        if (write_all(1, buf, k) < 0)
            return 1;
        done += k;
    }
    return 0;
}

static void round_trip(void)
{
    int p[2];
    CHECK_OK(sys_pipe(p));
    CHECK(p[0] != p[1] && p[0] >= 0 && p[1] >= 0);
    CHECK_RAW(sys_write(p[1], "hello", 5), 5);
    CHECK_RAW(sys_write(p[1], " world", 6), 6);
    char buf[32] = { 0 };
    CHECK_RAW(sys_read(p[0], buf, sizeof buf), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_RAW(sys_write(p[1], "abc", 3), 3);
    CHECK_RAW(sys_read(p[0], buf, 2), 2);      /* a short read leaves the rest */
    CHECK_RAW(sys_read(p[0], buf + 2, 8), 1);
    CHECK(memcmp(buf, "abc", 3) == 0);
    CHECK_OK(sys_close(p[1]));
    CHECK_RAW(sys_read(p[0], buf, sizeof buf), 0); /* end of file once no writer is left */
    CHECK_OK(sys_close(p[0]));

    CHECK_OK(sys_pipe(p));
    CHECK_OK(sys_close(p[0]));
    CHECK_RAW(sys_write(p[1], "x", 1), -EPIPE);    /* no reader left: -EPIPE, and we live on */
    CHECK_OK(sys_close(p[1]));
    CHECK_RAW(sys_close(p[1]), -EBADF);
}

static void dup2_rules(void)
{
    int p[2];
    CHECK_OK(sys_pipe(p));
    CHECK_RAW(sys_dup2(p[1], p[1]), p[1]);       /* dup2 onto itself does nothing */
    int copy = 9;
    CHECK_RAW(sys_dup2(p[1], copy), copy);
    CHECK_OK(sys_close(p[1]));
    CHECK_RAW(sys_write(copy, "via copy", 8), 8);  /* the copy is the same pipe end */
    char buf[16];
    CHECK_RAW(sys_read(p[0], buf, sizeof buf), 8);
    CHECK_OK(sys_close(copy));
    CHECK_RAW(sys_read(p[0], buf, sizeof buf), 0); /* the last writer closed */
    CHECK_OK(sys_close(p[0]));
    CHECK_RAW(sys_dup2(99999, 5), -EBADF);
    CHECK_RAW(sys_dup2(1, -1), -EBADF);
    CHECK_RAW(sys_dup2(1, 99999), -EBADF);
    CHECK_RAW(sys_read(77, buf, 1), -EBADF);
    CHECK_RAW(sys_write(-1, buf, 1), -EBADF);
}

static void with_children(void)
{
    char out[128];
    char *echo[] = { "/bin/echo", "through", "a pipe", NULL };
    int status = utest_capture(echo, 1, out, sizeof out);
    CHECK(status == 0);
    if (strcmp(out, "through a pipe\n") != 0)
        FAIL("echo through a pipe gave \"%s\"", out);

    /* parent -> cat -> parent: stdin and stdout of the child are both pipes. The input is written
     * and its write end closed before the spawn: a child inherits every open descriptor, and a
     * write end left open in cat would keep it from ever seeing end of file. */
    int in[2], res[2];
    CHECK_OK(sys_pipe(in));
    CHECK_OK(sys_pipe(res));
    CHECK_RAW(sys_write(in[1], "cat me\n", 7), 7);
    sys_close(in[1]);
    sys_dup2(0, 13);
    sys_dup2(1, 14);
    sys_dup2(in[0], 0);
    sys_dup2(res[1], 1);
    sys_close(in[0]);
    sys_close(res[1]);
    char *cat[] = { "/bin/cat", NULL };
    int pid = sys_spawn("/bin/cat", cat);
    sys_dup2(13, 0);
    sys_dup2(14, 1);
    sys_close(13);
    sys_close(14);
    CHECK(pid > 0);
    int len = 0, n;
    while ((n = sys_read(res[0], out + len, sizeof out - 1 - (unsigned)len)) > 0)
        len += n;
    out[len] = 0;
    sys_close(res[0]);
    if (strcmp(out, "cat me\n") != 0)
        FAIL("cat through two pipes gave \"%s\"", out);
    if (pid > 0) {
        CHECK_RAW(sys_wait(pid, &status), pid);
        CHECK(status == 0);
    }

    /* 64 KiB from a child: more than any pipe buffer, so the writer must block and resume. */
    static char big[65536 + 1];
    char *wr[] = { "/test/pipes", "writer", "65536", NULL };
    status = utest_capture(wr, 1, big, sizeof big);
    CHECK(status == 0);
    int size = (int)strlen(big);
    if (size != 65536)
        FAIL("the 64 KiB stream arrived as %d bytes", size);
    for (int i = 0; i < size; i++)
        if (big[i] != pattern((unsigned)i)) {
            FAIL("the 64 KiB stream differs at byte %d", i);
            break;
        }
}

int main(int argc, char **argv)
{
    utest_name = "pipes";
    if (argc == 3 && strcmp(argv[1], "writer") == 0)
        return writer((unsigned)atoi(argv[2]));
    if (argc != 1) {
        dprintf(2, "usage: pipes [writer N]\n");
        return 2;
    }
    round_trip();
    dup2_rules();
    with_children();
    utest_exit();
}
