/* files: the filesystem calls from user space: create, write, read back, lseek, O_APPEND, O_TRUNC,
 * stat, rename, unlink, mkdir, readdir, and their errors. Works under /tmp/files.test. */
#include "utest.h"

#define DIR "/tmp/files.test"

/* Reads all of path into buf (NUL-terminated); returns the length or a negative errno. */
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

/* True when directory path lists name. */
static int listed(const char *path, const char *name)
{
    int fd = sys_open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return 0;
    struct kl_dirent e;
    int found = 0;
    while (sys_readdir(fd, &e) == 1)
        if (strcmp(e.name, name) == 0)
            found = 1;
    sys_close(fd);
    return found;
}

static void basics(void)
{
    char buf[256];
    struct kl_stat st;
    int fd = sys_open(DIR "/a", O_WRONLY | O_CREAT | O_TRUNC);
    CHECK_OK(fd);
    CHECK_RAW(sys_write(fd, "hello, file\n", 12), 12);
    CHECK_OK(sys_close(fd));
    CHECK_RAW(slurp(DIR "/a", buf, sizeof buf), 12);
    CHECK(strcmp(buf, "hello, file\n") == 0);
    CHECK_OK(sys_stat(DIR "/a", &st));
    CHECK(st.type == KL_TYPE_FILE);
    CHECK(st.size == 12);
    CHECK(listed(DIR, "a"));

    fd = sys_open(DIR "/a", O_WRONLY | O_APPEND);
    CHECK_RAW(sys_write(fd, "more\n", 5), 5);
    sys_close(fd);
    CHECK_RAW(slurp(DIR "/a", buf, sizeof buf), 17);
    CHECK(strcmp(buf, "hello, file\nmore\n") == 0);

    fd = sys_open(DIR "/a", O_RDWR);
    CHECK_RAW(sys_lseek(fd, 7, SEEK_SET), 7);
    CHECK_RAW(sys_write(fd, "FILE", 4), 4);
    CHECK_RAW(sys_lseek(fd, -5, SEEK_END), 12);
    CHECK_RAW(sys_read(fd, buf, 4), 4);
    CHECK(memcmp(buf, "more", 4) == 0);
    CHECK_RAW(sys_lseek(fd, 0, SEEK_CUR), 16);
    CHECK_RAW(sys_lseek(fd, -100, SEEK_SET), -EINVAL);
    sys_close(fd);
    CHECK_RAW(slurp(DIR "/a", buf, sizeof buf), 17);
    CHECK(strcmp(buf, "hello, FILE\nmore\n") == 0);

    fd = sys_open(DIR "/a", O_WRONLY | O_TRUNC);
    CHECK_OK(fd);
    sys_close(fd);
    CHECK_OK(sys_stat(DIR "/a", &st));
    CHECK(st.size == 0);
}

static void big_file(void)
{
    static char block[1000], back[1000];
    int fd = sys_open(DIR "/big", O_WRONLY | O_CREAT | O_TRUNC);
    CHECK_OK(fd);
    for (int k = 0; k < 100; k++) {
        for (int i = 0; i < 1000; i++)
            block[i] = (char)(k * 31 + i);
        if (sys_write(fd, block, 1000) != 1000) {
            FAIL("write of block %d of the 100 KB file failed", k);
            break;
        }
    }
    sys_close(fd);
    struct kl_stat st;
    CHECK_OK(sys_stat(DIR "/big", &st));
    CHECK(st.size == 100000);
    fd = sys_open(DIR "/big", O_RDONLY);
    for (int k = 0; k < 100; k++) {
        int got = 0, n;
        while (got < 1000 && (n = sys_read(fd, back + got, (unsigned)(1000 - got))) > 0)
            got += n;
        for (int i = 0; i < 1000; i++)
            block[i] = (char)(k * 31 + i);
        if (got != 1000 || memcmp(block, back, 1000) != 0) {
            FAIL("block %d of the 100 KB file read back wrong (%d bytes)", k, got);
            break;
        }
    }
    CHECK_RAW(sys_read(fd, back, 10), 0);
    sys_close(fd);
    CHECK_OK(sys_unlink(DIR "/big"));
}

static void rename_unlink(void)
{
    char buf[64];
    struct kl_stat st;
    int fd = sys_open(DIR "/from", O_WRONLY | O_CREAT | O_TRUNC);
    sys_write(fd, "moved", 5);
    sys_close(fd);
    CHECK_OK(sys_rename(DIR "/from", DIR "/to"));
    CHECK_RAW(sys_stat(DIR "/from", &st), -ENOENT);
    CHECK_RAW(slurp(DIR "/to", buf, sizeof buf), 5);
    CHECK(strcmp(buf, "moved") == 0);
    CHECK(!listed(DIR, "from"));
    CHECK(listed(DIR, "to"));

    /* rename replaces an existing file */
    fd = sys_open(DIR "/other", O_WRONLY | O_CREAT | O_TRUNC);
    sys_write(fd, "old", 3);
    sys_close(fd);
    CHECK_OK(sys_rename(DIR "/to", DIR "/other"));
    CHECK_RAW(slurp(DIR "/other", buf, sizeof buf), 5);

    CHECK_OK(sys_unlink(DIR "/other"));
    CHECK_RAW(sys_open(DIR "/other", O_RDONLY), -ENOENT);
    CHECK_RAW(sys_unlink(DIR "/other"), -ENOENT);
    CHECK(!listed(DIR, "other"));
}

static void directories(void)
{
    struct kl_stat st;
    CHECK_OK(sys_mkdir(DIR "/sub"));
    CHECK_RAW(sys_mkdir(DIR "/sub"), -EEXIST);
    CHECK_OK(sys_stat(DIR "/sub", &st));
    CHECK(st.type == KL_TYPE_DIR);
    int fd = sys_open(DIR "/sub/inner", O_WRONLY | O_CREAT);
    CHECK_OK(fd);
    sys_close(fd);
    CHECK(listed(DIR "/sub", "inner"));
    CHECK_RAW(sys_unlink(DIR "/sub"), -ENOTEMPTY);
    CHECK_RAW(sys_open(DIR "/sub/inner", O_RDONLY | O_DIRECTORY), -ENOTDIR);
    CHECK_RAW(sys_open(DIR "/sub/inner/x", O_RDONLY), -ENOTDIR);
    CHECK_RAW(sys_open(DIR "/sub", O_WRONLY), -EISDIR);
    CHECK_RAW(sys_open(DIR "/nope/x", O_WRONLY | O_CREAT), -ENOENT);
    CHECK_RAW(sys_mkdir("/tmp/files.test/nope/x"), -ENOENT);
    CHECK_OK(sys_rename(DIR "/sub", DIR "/sub2"));
    CHECK(listed(DIR "/sub2", "inner"));
    CHECK_OK(sys_unlink(DIR "/sub2/inner"));
    CHECK_OK(sys_unlink(DIR "/sub2"));
    CHECK_RAW(sys_stat(DIR "/sub2", &st), -ENOENT);
    CHECK_RAW(sys_close(12345), -EBADF);
    CHECK_RAW(sys_readdir(12345, (struct kl_dirent *)&st), -EBADF);
}

int main(int argc, char **argv)
{
    (void)argv;
    utest_name = "files";
    if (argc != 1) {
        dprintf(2, "usage: files\n");
        return 2;
    }
    int r = sys_mkdir(DIR);
    if (r < 0 && r != -EEXIST) {
        FAIL("mkdir " DIR " = %d (%s)", r, errno_name(-r));
        utest_exit();
    }
    basics();
    big_file();
    rename_unlink();
    directories();
    CHECK_OK(sys_unlink(DIR "/a"));
    CHECK_OK(sys_unlink(DIR));
    utest_exit();
}
