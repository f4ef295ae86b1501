/* memhog: memory exhaustion.
 *   memhog         spawns "memhog child" twice and checks that each got about the same amount of
 *                  memory and that the free memory (meminfo) came back after each exited.
 *   memhog child   grows the heap with sbrk, touching every page, until sbrk fails with -ENOMEM;
 *                  then checks that malloc returns NULL with errno ENOMEM and that the process still
 *                  works; prints the KiB it got on standard output. */
#include "utest.h"
#include <stdint.h>

#define STEP (64 * 1024)
#define PAGE 4096

/* Grows the heap until the kernel refuses; returns the bytes obtained. */
static unsigned grab_all(void)
{
    unsigned total = 0;
    char *start = sys_sbrk(0);
    if (KL_IS_ERR(start)) {
        FAIL("sbrk(0) = %d", (int)start);
        return 0;
    }
    for (int step = STEP; step >= PAGE; step /= 2) {
        for (;;) {
            char *old = sys_sbrk(step);
            if (KL_IS_ERR(old)) {
                if ((int)old != -ENOMEM)
                    FAIL("sbrk(%d) = %d (%s), want -ENOMEM", step, (int)old, errno_name(-(int)old));
                break;
            }
            if (old != start + total)
                FAIL("sbrk(%d) returned %p, want the old break %p", step, (void *)old, (void *)(start + total));
            for (int off = 0; off < step; off += PAGE)
                old[off] = (char)((total + (unsigned)off) >> 12); /* a missing page faults here */
            total += (unsigned)step;
        }
    }
    /* The memory must be real: read back a sample of what was written. */
    for (unsigned off = 0; off < total; off += PAGE)
        if (start[off] != (char)(off >> 12)) {
            FAIL("heap page at %p lost its contents", (void *)(start + off));
            break;
        }
    return total;
}

static int child(void)
{
    CHECK_RAW((int)sys_sbrk(0x7ffff000), -ENOMEM); /* far more than any machine here has */
    char *brk_before = sys_sbrk(0);
    CHECK_RAW((int)sys_sbrk(0x7ffff000), -ENOMEM);
    CHECK(sys_sbrk(0) == brk_before);              /* a refused sbrk moves nothing */
    unsigned got = grab_all();
    CHECK(got >= 1024 * 1024);                     /* at least 1 MiB on any sane configuration */
    errno = 0;
    void *p = malloc(STEP);
    CHECK(p == NULL);
    CHECK(errno == ENOMEM);
    CHECK(malloc(1u << 30) == NULL);
    /* The kernel still answers, and so does the filesystem, with memory exhausted. */
    CHECK(sys_getpid() > 0);
    struct kl_stat st;
    CHECK_OK(sys_stat("/bin", &st));
    printf("%u\n", got / 1024);
    utest_exit();
}

/* Runs one child; returns the KiB it reported, or 0 after a failed check. */
static unsigned run_child(void)
{
    char *argv[] = { "/test/memhog", "child", NULL };
    char out[64];
    int status = utest_capture(argv, 1, out, sizeof out);
    if (status != 0) {
        char text[48];
        FAIL("memhog child: %s", status < 0 ? "could not run" : status_text(status, text, sizeof text));
        return 0;
    }
    return (unsigned)atoi(out);
}

int main(int argc, char **argv)
{
    utest_name = "memhog";
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return child();
    if (argc != 1) {
        dprintf(2, "usage: memhog [child]\n");
        return 2;
    }
    struct kl_meminfo before, after;
    CHECK_OK(sys_meminfo(&before));
    unsigned first = run_child();
    CHECK_OK(sys_meminfo(&after));
    unsigned second = run_child();
    struct kl_meminfo last;
    CHECK_OK(sys_meminfo(&last));
    /* Slack: the kernel heap may keep a little (process slots, pipe buffers) after the first run. */
    unsigned slack = before.total_kib / 50 + 64;
    if (after.free_kib + slack < before.free_kib)
        FAIL("free memory %u KiB before the first child, %u KiB after it: not given back", before.free_kib,
             after.free_kib);
    if (last.free_kib + slack < after.free_kib)
        FAIL("free memory %u KiB before the second child, %u KiB after it: a leak", after.free_kib, last.free_kib);
    if (first && second && (second + slack < first || first + slack < second))
        FAIL("the children got %u KiB and %u KiB: memory leaked between them", first, second);
    utest_exit();
}
