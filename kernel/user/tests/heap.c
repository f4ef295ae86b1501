/* heap: sbrk growth and the malloc family. */
#include "utest.h"
#include <stdint.h>

extern char _end[]; /* user.ld: the page after .bss */

static void grow(void)
{
    char *start = sys_sbrk(0);
    CHECK(!KL_IS_ERR(start));
    CHECK((uintptr_t)start >= (uintptr_t)_end);
    CHECK((uintptr_t)start < USER_STACK_TOP);
    char *old = sys_sbrk(10000);
    CHECK(old == start);
    CHECK(sys_sbrk(0) == start + 10000);
    memset(old, 0x5a, 10000);                  /* all of it is writable memory */
    old = sys_sbrk(3 * 4096);
    CHECK(old == start + 10000);
    memset(old, 0xa5, 3 * 4096);
    for (int i = 0; i < 10000; i++)
        if ((unsigned char)start[i] != 0x5a) {
            FAIL("heap byte %d changed", i);
            break;
        }
    CHECK(sys_sbrk(0) == start + 10000 + 3 * 4096);
}

static void malloc_family(void)
{
    enum { N = 200 };
    static unsigned char *blocks[N];
    static unsigned sizes[N];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            sizes[i] = (unsigned)(i * 37 % 3000 + 1);
            blocks[i] = malloc(sizes[i]);
            if (!blocks[i]) {
                FAIL("malloc(%u) failed in round %d", sizes[i], round);
                return;
            }
            CHECK(((uintptr_t)blocks[i] & 15) == 0);
            memset(blocks[i], i & 0xff, sizes[i]);
        }
        for (int i = 0; i < N; i += 2) {
            free(blocks[i]);
            blocks[i] = NULL;
        }
        for (int i = 1; i < N; i += 2)
            for (unsigned k = 0; k < sizes[i]; k++)
                if (blocks[i][k] != (unsigned char)(i & 0xff)) {
                    FAIL("block %d overwritten at byte %u", i, k);
                    return;
                }
        for (int i = 1; i < N; i += 2) {
            blocks[i] = realloc(blocks[i], sizes[i] * 2);
            CHECK(blocks[i] != NULL);
            if (blocks[i] && blocks[i][sizes[i] - 1] != (unsigned char)(i & 0xff))
                FAIL("realloc lost the contents of block %d", i);
            free(blocks[i]);
        }
    }
    char *heap_top = sys_sbrk(0);
    for (int i = 0; i < 1000; i++)
        free(malloc(5000));                    /* freed memory is reused: the heap stays put */
    CHECK(sys_sbrk(0) == heap_top);
    unsigned *z = calloc(1000, sizeof *z);
    CHECK(z != NULL);
    for (int i = 0; z && i < 1000; i++)
        if (z[i] != 0) {
            FAIL("calloc memory not zero at %d", i);
            break;
        }
    free(z);
    CHECK(calloc(0x40000000, 8) == NULL);      /* the size overflows */
    free(NULL);
}

int main(int argc, char **argv)
{
    (void)argv;
    utest_name = "heap";
    if (argc != 1) {
        dprintf(2, "usage: heap\n");
        return 2;
    }
    grow();
    malloc_family();
    utest_exit();
}
