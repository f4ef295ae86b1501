/* The test-mode driver (core/ktest.c), beside the fixed ktest.h API. */
#ifndef KERNELIST_KTEST_RUN_H
#define KERNELIST_KTEST_RUN_H

/* Runs the tests that spec names ("all" or "a,b,c"), prints the summary, exits through port 0xF4. */
__attribute__((noreturn)) void ktest_main(const char *spec);

#endif
