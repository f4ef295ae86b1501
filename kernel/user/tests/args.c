/* args: argv passing.
 *   args one "two words" "" last   checks exactly these arguments (the KTEST passes them)
 *   args spawn                     spawns "args many ..." with 100 arguments and checks it passed,
 *                                  then checks that an argv past KL_ARG_MAX gives -E2BIG
 *   args many A0 ... A99           checks its 100 arguments */
#include "utest.h"
#include <stdint.h>

/* Checks the invariants of any argv: in user memory on the stack, NULL-terminated. */
static void check_vector(int argc, char **argv)
{
    CHECK(argc >= 1);
    CHECK(argv[argc] == NULL);
    for (int i = 0; i < argc; i++) {
        uintptr_t p = (uintptr_t)argv[i];
        if (p < USER_LOAD_BASE || p >= USER_STACK_TOP)
            FAIL("argv[%d] at %p is outside the user stack", i, (void *)argv[i]);
    }
    if ((uintptr_t)argv >= USER_STACK_TOP || (uintptr_t)argv < USER_LOAD_BASE)
        FAIL("argv at %p is outside the user stack", (void *)argv);
}

static void check_fixed(int argc, char **argv)
{
    static const char *const want[] = { "/test/args", "one", "two words", "", "last" };
    if (argc != 5) {
        FAIL("argc = %d, want 5", argc);
        return;
    }
    for (int i = 0; i < 5; i++)
        if (strcmp(argv[i], want[i]) != 0)
            FAIL("argv[%d] = \"%s\", want \"%s\"", i, argv[i], want[i]);
}

static void check_many(int argc, char **argv)
{
    if (argc != 102) {
        FAIL("argc = %d, want 102", argc);
        return;
    }
    for (int i = 0; i < 100; i++) {
        char want[16];
        snprintf(want, sizeof want, "A%d", i);
        if (strcmp(argv[i + 2], want) != 0)
            FAIL("argv[%d] = \"%s\", want \"%s\"", i + 2, argv[i + 2], want);
    }
}

static void spawn_many(void)
{
    static char names[100][8];
    char *argv[103];
    argv[0] = "/test/args";
    argv[1] = "many";
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "A%d", i);
        argv[i + 2] = names[i];
    }
    argv[102] = NULL;
    int status = utest_run(argv);
    if (status != 0)
        FAIL("args many: status %d", status);

    /* 600 arguments of 10 bytes: more than KL_ARG_MAX bytes of strings and pointers. */
    static char big[600][11];
    static char *bigv[602];
    bigv[0] = "/test/args";
    for (int i = 0; i < 600; i++) {
        memset(big[i], 'x', 10);
        bigv[i + 1] = big[i];
    }
    bigv[601] = NULL;
    int r = sys_spawn("/test/args", bigv);
    CHECK_RAW(r, -E2BIG);
    if (r > 0)
        sys_wait(r, &status);
}

int main(int argc, char **argv)
{
    utest_name = "args";
    check_vector(argc, argv);
    if (argc == 2 && strcmp(argv[1], "spawn") == 0)
        spawn_many();
    else if (argc >= 2 && strcmp(argv[1], "many") == 0)
        check_many(argc, argv);
    else
        check_fixed(argc, argv);
    utest_exit();
}
