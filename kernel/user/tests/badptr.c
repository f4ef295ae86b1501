/* badptr CALL: passes bad pointers to one system call (or "all") and checks that every attempt
 * returns -EFAULT and leaves the process running. Bad pointers: NULL, kernel addresses (start of the
 * kernel, kernel text, the last page), an unmapped user address, the unmapped guard page above the
 * user stack, a buffer that starts in the top stack page and runs into that guard page, a string with
 * no terminator before the guard page, and (for buffers the kernel writes) read-only text and rodata. */
#include "utest.h"
#include <stdint.h>

#define TOP USER_STACK_TOP            /* the page above is the unmapped guard page */
#define UNTERMINATED (TOP - 16)       /* 16 bytes of 'a' then the guard page */

struct bad {
    const char *what;
    uintptr_t addr;
};

static const char rodata_mark[64] = "rodata";

/* Pointers for buffers the kernel reads from; span_len bytes at the "span" entry reach the guard page. */
static const struct bad bad_in[] = {
    { "NULL", 0 }, { "kernel base", 0xc0000000u }, { "kernel text", 0xc0100000u },
    { "last page", 0xfffff000u }, { "unmapped", 0x40000000u }, { "guard page", TOP },
    { "span into guard", TOP - 8 },
};

static struct bad bad_out[sizeof bad_in / sizeof bad_in[0] + 2]; /* bad_in plus text and rodata */
static const struct bad bad_str[] = {
    { "NULL", 0 }, { "kernel base", 0xc0000000u }, { "last page", 0xfffff000u },
    { "unmapped", 0x40000000u }, { "guard page", TOP }, { "unterminated", UNTERMINATED },
};

#define N_IN (int)(sizeof bad_in / sizeof bad_in[0])
#define N_OUT (int)(sizeof bad_out / sizeof bad_out[0])
#define N_STR (int)(sizeof bad_str / sizeof bad_str[0])
#define P(b) ((void *)(b).addr)

/* Fails the check when r is not -EFAULT, naming the call and the pointer. */
static void expect_efault(const char *call, const char *what, int r)
{
    if (r != -EFAULT)
        FAIL("%s with %s pointer = %d (%s), want -14 (EFAULT)", call, what, r, r < 0 ? errno_name(-r) : "ok");
}

static void test_read(void)
{
    int fd = sys_open("/bin/sh", O_RDONLY);
    if (fd < 0) {
        FAIL("open /bin/sh = %d", fd);
        return;
    }
    for (int i = 0; i < N_OUT; i++) {
        sys_lseek(fd, 0, SEEK_SET);
        expect_efault("read(file)", bad_out[i].what, sys_read(fd, P(bad_out[i]), 64));
    }
    sys_close(fd);
    int p[2];
    CHECK_OK(sys_pipe(p));
    for (int i = 0; i < N_OUT; i++) {
        sys_write(p[1], "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
        expect_efault("read(pipe)", bad_out[i].what, sys_read(p[0], P(bad_out[i]), 64));
    }
    sys_close(p[0]);
    sys_close(p[1]);
}

static void test_write(void)
{
    int fd = sys_open("/tmp/badptr.w", O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) {
        FAIL("open /tmp/badptr.w = %d", fd);
        return;
    }
    for (int i = 0; i < N_IN; i++)
        expect_efault("write(file)", bad_in[i].what, sys_write(fd, P(bad_in[i]), 64));
    sys_close(fd);
    sys_unlink("/tmp/badptr.w");
    int p[2];
    CHECK_OK(sys_pipe(p));
    for (int i = 0; i < N_IN; i++)
        expect_efault("write(pipe)", bad_in[i].what, sys_write(p[1], P(bad_in[i]), 64));
    sys_close(p[0]);
    sys_close(p[1]);
    for (int i = 0; i < N_IN; i++)
        expect_efault("write(console)", bad_in[i].what, sys_write(2, P(bad_in[i]), 64));
}

static void test_open(void)
{
    for (int i = 0; i < N_STR; i++) {
        expect_efault("open", bad_str[i].what, sys_open(P(bad_str[i]), O_RDONLY));
        expect_efault("open(O_CREAT)", bad_str[i].what, sys_open(P(bad_str[i]), O_WRONLY | O_CREAT));
    }
    char longpath[KL_PATH_MAX + 8];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = 0;
    CHECK_RAW(sys_open(longpath, O_RDONLY), -ENAMETOOLONG);
}

static void test_readdir(void)
{
    int fd = sys_open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        FAIL("open / = %d", fd);
        return;
    }
    for (int i = 0; i < N_OUT; i++)
        expect_efault("readdir", bad_out[i].what, sys_readdir(fd, P(bad_out[i])));
    sys_close(fd);
}

static void test_unlink(void)
{
    for (int i = 0; i < N_STR; i++)
        expect_efault("unlink", bad_str[i].what, sys_unlink(P(bad_str[i])));
}

static void test_mkdir(void)
{
    for (int i = 0; i < N_STR; i++)
        expect_efault("mkdir", bad_str[i].what, sys_mkdir(P(bad_str[i])));
}

/* Reaps a child that a broken spawn started anyway, so the test leaves nothing behind. */
static void reap_if_started(int r)
{
    int status;
    if (r > 0)
        sys_wait(r, &status);
}

static void test_spawn(void)
{
    char *good_argv[] = { "/bin/true", NULL };
    for (int i = 0; i < N_STR; i++) {
        int r = sys_spawn(P(bad_str[i]), good_argv);
        expect_efault("spawn(path)", bad_str[i].what, r);
        reap_if_started(r);
    }
    for (int i = 0; i < N_IN; i++) {
        int r = sys_spawn("/bin/true", P(bad_in[i]));
        expect_efault("spawn(argv)", bad_in[i].what, r);
        reap_if_started(r);
    }
    for (int i = 1; i < N_STR; i++) { /* from 1: a NULL element simply ends argv */
        char *argv[] = { "/bin/true", P(bad_str[i]), NULL };
        int r = sys_spawn("/bin/true", argv);
        expect_efault("spawn(argv[1])", bad_str[i].what, r);
        reap_if_started(r);
    }
    /* An argv array whose last two slots are valid pointers, with no NULL before the guard page. */
    char **unterminated = (char **)(TOP - 2 * sizeof(char *));
    unterminated[0] = "/bin/true";
    unterminated[1] = "x";
    int r = sys_spawn("/bin/true", unterminated);
    expect_efault("spawn(argv)", "unterminated array", r);
    reap_if_started(r);
    memset((void *)UNTERMINATED, 'a', 16); /* the array overwrote part of the unterminated string */
}

/* A bad status pointer (NULL too) is -EFAULT, checked before the child is reaped: the child can
 * still be waited for afterwards. */
static void test_wait(void)
{
    char *argv[] = { "/bin/true", NULL };
    for (int i = 0; i < N_OUT; i++) {
        int pid = sys_spawn("/bin/true", argv);
        if (pid < 0) {
            FAIL("spawn /bin/true = %d (%s)", pid, errno_name(-pid));
            return;
        }
        uintptr_t addr = bad_out[i].addr == TOP - 8 ? TOP - 2 : bad_out[i].addr; /* an int that spans */
        expect_efault("wait(pid)", bad_out[i].what, sys_wait(pid, (int *)addr));
        int status = 0;
        int r = sys_wait(pid, &status);
        if (r != pid)
            FAIL("wait after a bad wait = %d (%s): the failed wait lost the child", r, errno_name(-r));
    }
    for (int i = 0; i < N_OUT; i++) {
        int pid = sys_spawn("/bin/true", argv);
        if (pid < 0)
            return;
        uintptr_t addr = bad_out[i].addr == TOP - 8 ? TOP - 2 : bad_out[i].addr;
        expect_efault("wait(-1)", bad_out[i].what, sys_wait(-1, (int *)addr));
        int status = 0;
        int r = sys_wait(pid, &status);
        if (r != pid)
            FAIL("wait after a bad wait(-1) = %d (%s): the failed wait lost the child", r, errno_name(-r));
    }
}

static void test_pipe(void)
{
    int before = sys_open("/bin", O_RDONLY | O_DIRECTORY);
    sys_close(before);
    for (int i = 0; i < N_OUT; i++) {
        uintptr_t addr = bad_out[i].addr == TOP - 8 ? TOP - 4 : bad_out[i].addr; /* fds[1] in the guard */
        expect_efault("pipe", bad_out[i].what, sys_pipe((int *)addr));
    }
    int after = sys_open("/bin", O_RDONLY | O_DIRECTORY);
    sys_close(after);
    if (after != before)
        FAIL("failed pipe() calls leaked descriptors: the lowest free fd went from %d to %d", before, after);
}

static void test_rename(void)
{
    int fd = sys_open("/tmp/badptr.from", O_WRONLY | O_CREAT | O_TRUNC);
    CHECK_OK(fd);
    sys_close(fd);
    for (int i = 0; i < N_STR; i++) {
        expect_efault("rename(from)", bad_str[i].what, sys_rename(P(bad_str[i]), "/tmp/badptr.to"));
        expect_efault("rename(to)", bad_str[i].what, sys_rename("/tmp/badptr.from", P(bad_str[i])));
    }
    struct kl_stat st;
    CHECK_OK(sys_stat("/tmp/badptr.from", &st));
    CHECK_RAW(sys_stat("/tmp/badptr.to", &st), -ENOENT);
    sys_unlink("/tmp/badptr.from");
}

static void test_stat(void)
{
    struct kl_stat st;
    for (int i = 0; i < N_STR; i++)
        expect_efault("stat(path)", bad_str[i].what, sys_stat(P(bad_str[i]), &st));
    for (int i = 0; i < N_OUT; i++)
        expect_efault("stat(out)", bad_out[i].what, sys_stat("/bin", P(bad_out[i])));
}

static void test_procinfo(void)
{
    for (int i = 0; i < N_OUT; i++)
        expect_efault("procinfo", bad_out[i].what, sys_procinfo(0, P(bad_out[i])));
}

static void test_meminfo(void)
{
    for (int i = 0; i < N_OUT; i++)
        expect_efault("meminfo", bad_out[i].what, sys_meminfo(P(bad_out[i])));
}

struct call_test {
    const char *name;
    void (*run)(void);
};

static const struct call_test calls[] = {
    { "read", test_read }, { "write", test_write }, { "open", test_open }, { "readdir", test_readdir },
    { "unlink", test_unlink }, { "spawn", test_spawn }, { "wait", test_wait }, { "pipe", test_pipe },
    { "mkdir", test_mkdir }, { "rename", test_rename }, { "stat", test_stat },
    { "procinfo", test_procinfo }, { "meminfo", test_meminfo },
};

/* Fills bad_out and plants the unterminated string in the top stack page (argv is copied first). */
static void setup(void)
{
    for (int i = 0; i < N_IN; i++)
        bad_out[i] = bad_in[i];
    bad_out[N_IN] = (struct bad){ "read-only text", (uintptr_t)(void *)setup };
    bad_out[N_IN + 1] = (struct bad){ "read-only rodata", (uintptr_t)rodata_mark };
    memset((void *)UNTERMINATED, 'a', 16);
}

int main(int argc, char **argv)
{
    utest_name = "badptr";
    char which[32];
    if (argc != 2 || strlen(argv[1]) >= sizeof which) {
        dprintf(2, "usage: badptr CALL|all\n");
        return 2;
    }
    strcpy(which, argv[1]);
    setup();
    int found = 0;
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (strcmp(which, "all") == 0 || strcmp(which, calls[i].name) == 0) {
            calls[i].run();
            found = 1;
        }
    }
    if (!found) {
        dprintf(2, "badptr: unknown call %s\n", which);
        return 2;
    }
    /* The process must still work after all that. */
    CHECK(sys_getpid() > 0);
    CHECK_RAW(sys_write(1, "", 0), 0);
    utest_exit();
}
