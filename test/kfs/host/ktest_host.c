/* Runs the in-kernel filesystem tests (kernel/core/fs_tests.c) on the host: this file stands in
 * for kernel/core/ktest.c (registration, pass/fail), the heap and the fs lock, then includes the
 * test file itself, so the very same test bodies run here and in the kernel.
 * Output and exit status follow the kernel's test mode: KTEST PASS/FAIL lines, a count, 0 or 1. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define KERNELIST_KTEST_H /* replaces kernel/include/kernel/ktest.h */
#define MAX_TESTS 64

struct host_test { const char *name; void (*run)(void); };
static struct host_test tests[MAX_TESTS];
static int test_count;
static int failed_now;
static char reason[256];

static void register_test(const char *name, void (*run)(void))
{
    if (test_count == MAX_TESTS) { fprintf(stderr, "too many tests\n"); exit(2); }
    tests[test_count++] = (struct host_test){ name, run };
}

#define KTEST(tname)                                                                \
    static void ktest_body_##tname(void);                                           \
    __attribute__((constructor)) static void ktest_register_##tname(void)           \
    { register_test(#tname, ktest_body_##tname); }                                  \
    static void ktest_body_##tname(void)

void ktest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktest_fail(const char *fmt, ...)
{
    if (failed_now++)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
}

int ktest_stopped(void) { return failed_now != 0; }

#define KCHECK(cond) do { if (!(cond)) ktest_fail("%s:%d: %s", __FILE__, __LINE__, #cond); } while (0)

/* The heap and the fs lock, as the kernel provides them. */
void *kmalloc(size_t size) { return malloc(size); }
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }
void fs_lock(void) {}
void fs_unlock(void) {}

#include "../../../kernel/core/fs_tests.c"

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < test_count; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        failed_now = 0;
        tests[i].run();
        if (failed_now) { printf("KTEST FAIL %s: %s\n", tests[i].name, reason); failed++; }
        else { printf("KTEST PASS %s\n", tests[i].name); passed++; }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
