/* shell: runs /bin/sh -c LINE for the shell's grammar and the programs, and checks files, output
 * and exit statuses: redirection, pipes of several stages, quoting, "not found", killed commands. */
#include "utest.h"

/* Runs sh -c line, capturing fd which (1 or 2) into out; returns sh's wait status. The other of
 * standard output and standard error goes to /tmp/shell.err, so expected errors stay off the console. */
static int sh(const char *line, int which, char *out, int size)
{
    char *argv[] = { "/bin/sh", "-c", (char *)line, NULL };
    int other = which == 1 ? 2 : 1;
    int sink = sys_open("/tmp/shell.err", O_WRONLY | O_CREAT | O_TRUNC);
    sys_dup2(other, 15);
    if (sink >= 0) {
        sys_dup2(sink, other);
        sys_close(sink);
    }
    int status = utest_capture(argv, which, out, size);
    sys_dup2(15, other);
    sys_close(15);
    return status;
}

static int slurp(const char *path, char *buf, int size)
{
    int fd = sys_open(path, O_RDONLY);
    if (fd < 0)
        return fd;
    int len = 0, n;
    while (len < size - 1 && (n = sys_read(fd, buf + len, (unsigned)(size - 1 - len))) > 0)
        len += n;
    buf[len] = 0;
    sys_close(fd);
    return len;
}

/* Checks that sh -c line prints exactly want on fd which and ends with status. */
static void expect(const char *line, int which, const char *want, int status)
{
    char out[1024];
    int got = sh(line, which, out, sizeof out);
    if (got != status)
        FAIL("sh -c '%s': status 0x%x, want 0x%x", line, got, status);
    if (want && strcmp(out, want) != 0)
        FAIL("sh -c '%s' printed \"%s\", want \"%s\"", line, out, want);
}

static void expect_file(const char *path, const char *want)
{
    char buf[256];
    int n = slurp(path, buf, sizeof buf);
    if (n < 0)
        FAIL("%s: %s", path, errno_name(-n));
    else if (strcmp(buf, want) != 0)
        FAIL("%s holds \"%s\", want \"%s\"", path, buf, want);
}

int main(int argc, char **argv)
{
    (void)argv;
    utest_name = "shell";
    if (argc != 1) {
        dprintf(2, "usage: shell\n");
        return 2;
    }
    char out[1024];
    expect("echo hi", 1, "hi\n", 0);
    expect("echo hi > /tmp/shell.x", 1, "", 0);
    expect_file("/tmp/shell.x", "hi\n");
    expect("cat /tmp/shell.x", 1, "hi\n", 0);
    expect("echo more >> /tmp/shell.x", 1, "", 0);
    expect_file("/tmp/shell.x", "hi\nmore\n");
    expect("cat < /tmp/shell.x", 1, "hi\nmore\n", 0);
    expect("cat /tmp/shell.x /tmp/no.such.file", 1, "hi\nmore\n", W_EXITED(1));
    expect("echo -n no newline", 1, "no newline", 0);
    expect("echo 'echo from a script' > /tmp/shell.sh; echo 'echo line 2 | cat' >> /tmp/shell.sh; sh /tmp/shell.sh",
           1, "from a script\nline 2\n", 0);
    expect("echo 'exit 4' > /tmp/shell.sh; /bin/sh /tmp/shell.sh", 1, "", W_EXITED(4));
    expect("rm /tmp/shell.sh; sh /tmp/shell.sh", 2, "sh: /tmp/shell.sh: No such file or directory\nsh: sh: exit 127\n",
           W_EXITED(127));
    expect("sh -x", 2, "usage: sh [-c LINE | FILE]\nsh: sh: exit 2\n", W_EXITED(2));
    expect("echo   spaced    out  ", 1, "spaced out\n", 0);
    expect("echo 'a  b' \"c  d\" e'f'\"g\" \\| 'x|y>z'", 1, "a  b c  d efg | x|y>z\n", 0);
    expect("echo \"say \\\"hi\\\"\"", 1, "say \"hi\"\n", 0);
    expect("echo one | cat", 1, "one\n", 0);
    expect("echo two | cat | cat | cat | cat | cat", 1, "two\n", 0);
    expect("cat < /tmp/shell.x | cat > /tmp/shell.y", 1, "", 0);
    expect_file("/tmp/shell.y", "hi\nmore\n");
    expect("echo a; echo b ; echo c", 1, "a\nb\nc\n", 0);
    expect("/bin/echo by path", 1, "by path\n", 0);
    expect("echo not # a comment", 1, "not\n", 0);
    expect("", 1, "", 0);
    expect("true", 1, "", 0);
    expect("false", 2, "sh: false: exit 1\n", W_EXITED(1));
    expect("exit 7", 1, "", W_EXITED(7));
    expect("echo before; exit 3; echo after", 1, "before\n", W_EXITED(3));
    expect("nosuchcmd arg", 2, "sh: nosuchcmd: not found\n", W_EXITED(127));
    expect("/test/fault divzero", 2, "sh: /test/fault: killed by #DE (vector 0)\n", W_EXITED(128));
    expect("echo 'open", 2, "sh: syntax error: unterminated '\n", W_EXITED(2));
    expect("echo a |", 2, "sh: syntax error: missing command\n", W_EXITED(2));
    expect("| echo a", 2, "sh: syntax error near '|'\n", W_EXITED(2));
    expect("echo >", 2, "sh: syntax error: a file name must follow '>'\n", W_EXITED(2));
    expect("cat < /tmp/no.such.file", 2, "sh: /tmp/no.such.file: No such file or directory\n", W_EXITED(127));
    expect("ls /tmp/shell.x", 1, "/tmp/shell.x\n", 0);
    expect("ls -l /tmp/shell.x", 1, "-        8 /tmp/shell.x\n", 0);
    expect("ls -z", 2, "usage: ls [-l] [PATH...]\nsh: ls: exit 2\n", W_EXITED(2));
    expect("mkdir /tmp/shell.d; echo in > /tmp/shell.d/f; ls /tmp/shell.d; mv /tmp/shell.d/f /tmp/shell.d/g; ls /tmp/shell.d",
           1, "f\ng\n", 0);
    expect("rm /tmp/shell.d", 2, "rm: /tmp/shell.d: Directory not empty\nsh: rm: exit 1\n", W_EXITED(1));
    expect("rm /tmp/shell.d/g /tmp/shell.d /tmp/shell.x /tmp/shell.y", 1, "", 0);
    expect("ls /tmp/shell.d", 2, "ls: /tmp/shell.d: No such file or directory\nsh: ls: exit 1\n", W_EXITED(1));
    int st = sh("ls /bin", 1, out, sizeof out);
    CHECK(st == 0);
    if (!strstr(out, "sh\n") || !strstr(out, "cat\n") || !strstr(out, "echo\n"))
        FAIL("ls /bin printed \"%s\"", out);
    st = sh("ps", 1, out, sizeof out);
    CHECK(st == 0);
    if (!strstr(out, "PID") || !strstr(out, "ps"))
        FAIL("ps printed \"%s\"", out);
    st = sh("mem", 1, out, sizeof out);
    CHECK(st == 0 && strstr(out, "free") != NULL);
    st = sh("uptime", 1, out, sizeof out);
    CHECK(st == 0 && strncmp(out, "up ", 3) == 0);
    st = sh("help", 1, out, sizeof out);
    CHECK(st == 0 && strstr(out, "exit") != NULL);
    expect("kill", 2, "usage: kill PID...\nsh: kill: exit 2\n", W_EXITED(2));
    expect("kill 99999", 2, "kill: 99999: No such process\nsh: kill: exit 1\n", W_EXITED(1));
    sys_unlink("/tmp/shell.err");
    utest_exit();
}
