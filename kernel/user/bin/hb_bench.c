/* hb_bench [FIGURE[:N]]...: LOTRx86 round-trip and application costs (docs/lotrx86.md "Measurements").
 * Named hb_* so that the Makefile links it with user/lib/privuser.ld (it has secret functions). Each
 * figure runs N times in a loop between two RDTSC reads (on our machine the TSC counts retired guest
 * instructions; on QEMU it is time) and prints one line:
 *   lotr-bench FIGURE iterations=N tsc=T check=XXXXXXXX
 * where check folds every result of the loop, so a loop whose work went missing is visible. Figures:
 *   near           a near call to a noinline function of 3 arguments
 *   privcall0      a privcall (lcall through the LDT gate) to a secret function, no argument registers set
 *   privcall3      a privcall with 3 value arguments to a secret function that adds them
 *   syscall        int 0x80 getpid, the cheapest system call
 *   sign-heap      sign a 64-byte message with the key in the ordinary heap (hb_sign of hb_proto.h)
 *   sign-privuser  the same through a privcall, with the key in PrivUser (message copied in, signature out)
 * With no arguments every figure runs with its default count. N may be 0 (the host's baseline boot).
 * Exit status 0, 1 when a check fails (a result differs from the one computed in ring 3), 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernelist.h>
#include <privuser.h>
#include "hb_proto.h"

enum { ID_NULL = 1, ID_ADD3 = 2, ID_INSTALL_KEY = 3, ID_SIGN = 4 };
enum { MSG_LEN = 64 };

PRIVUSER_DATA static uint8_t priv_key[HB_KEY_LEN];

PRIVUSER_FN static int priv_null(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    return 0;
}

PRIVUSER_FN static int priv_add3(uint32_t a, uint32_t b, uint32_t c)
{
    return (int)(a + b + c);
}

PRIVUSER_FN static int priv_install_key(uint32_t key, uint32_t b, uint32_t c)
{
    (void)b, (void)c;
    priv_memcpy(priv_key, (const void *)key, HB_KEY_LEN);
    return 0;
}

PRIVUSER_FN static int priv_sign(uint32_t msg, uint32_t len, uint32_t sig)
{
    hb_sign(priv_key, (const uint8_t *)msg, len, (uint8_t *)sig);
    return HB_SIG_LEN;
}

PRIVCALL_EXPORT(ID_NULL, priv_null, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_ADD3, priv_add3, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_INSTALL_KEY, priv_install_key, PRIV_IN, HB_KEY_LEN, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_SIGN, priv_sign, PRIV_IN | PRIV_LEN_FROM_ARG, 1, PRIV_VAL, 0, PRIV_OUT, HB_SIG_LEN);

/* The time-stamp counter. */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* The near-call target: noipa so the compiler neither inlines it nor folds it into the loop. */
__attribute__((noipa)) static uint32_t near_add3(uint32_t a, uint32_t b, uint32_t c)
{
    return a + b + c;
}

/* The heap-key signer, a real call as in hb_server's baseline. */
__attribute__((noipa)) static void sign_heap(const uint8_t *key, const uint8_t *msg, uint32_t len, uint8_t *sig)
{
    hb_sign(key, msg, len, sig);
}

/* privcall id with no argument registers loaded: EAX = id, then the gate (user/lib/privuser_call.asm's
 * lcall without the loads). The stub keeps EBX, ESI, EDI, EBP and zeroes ECX, EDX. */
static inline int privcall0(uint32_t id)
{
    int r;
    __asm__ volatile("lcall $" "0x17" ", $0" : "=a"(r) : "a"(id) : "ecx", "edx", "memory", "cc");
    return r;
}

/* privcall id with a, b, c in ECX, EDX, EBX. */
static inline int privcall3(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
    int r;
    __asm__ volatile("lcall $" "0x17" ", $0" : "=a"(r), "+c"(a), "+d"(b) : "a"(id), "b"(c) : "memory", "cc");
    return r;
}

/* int 0x80 getpid (the kernel keeps every register but EAX). */
static inline int null_syscall(void)
{
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(SYS_getpid) : "memory", "cc");
    return r;
}

/* Writes v in decimal into out (at least 21 bytes). */
static void u64_decimal(uint64_t v, char *out)
{
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = 0;
}

static void report(const char *name, uint32_t n, uint64_t tsc, uint32_t check)
{
    char t[21];
    u64_decimal(tsc, t);
    printf("lotr-bench %s iterations=%u tsc=%s check=%08x\n", name, n, t, check);
}

static uint32_t fold(uint32_t acc, uint32_t v)
{
    return (acc ^ v) * 16777619u;
}

static uint8_t heap_key_init[HB_KEY_LEN];

/* The message of iteration i: its first word is i, the rest a fixed pattern. */
static void make_message(uint8_t *msg, uint32_t i)
{
    for (uint32_t k = 0; k < MSG_LEN; k++)
        msg[k] = (uint8_t)(k * 7 + 1);
    memcpy(msg, &i, sizeof i);
}

/* The first word of a signature (little-endian). */
static uint32_t sig_word(const uint8_t *sig)
{
    return sig[0] | (uint32_t)sig[1] << 8 | (uint32_t)sig[2] << 16 | (uint32_t)sig[3] << 24;
}

/* Runs one figure n times; returns 0, or 1 when a result was wrong (and says which). */
static int run_figure(const char *name, uint32_t n)
{
    uint32_t check = 2166136261u;
    uint64_t t0, t1;
    if (!strcmp(name, "near")) {
        uint32_t acc = 0;
        t0 = rdtsc();
        for (uint32_t i = 0; i < n; i++)
            acc = near_add3(i, acc, 3);
        t1 = rdtsc();
        check = acc;
    } else if (!strcmp(name, "privcall0")) {
        int bad = 0;
        t0 = rdtsc();
        for (uint32_t i = 0; i < n; i++)
            bad |= privcall0(ID_NULL);
        t1 = rdtsc();
        if (bad) {
            printf("lotr-bench: privcall0 returned %d\n", privcall0(ID_NULL));
            return 1;
        }
        check = (uint32_t)bad;
    } else if (!strcmp(name, "privcall3")) {
        uint32_t acc = 0;
        t0 = rdtsc();
        for (uint32_t i = 0; i < n; i++)
            acc = (uint32_t)privcall3(ID_ADD3, i, acc, 3);
        t1 = rdtsc();
        uint32_t want = 0;
        for (uint32_t i = 0; i < n; i++)
            want = i + want + 3;
        if (acc != want) {
            printf("lotr-bench: privcall3 sum %08x, want %08x\n", acc, want);
            return 1;
        }
        check = acc;
    } else if (!strcmp(name, "syscall")) {
        int pid = sys_getpid(), bad = 0;
        t0 = rdtsc();
        for (uint32_t i = 0; i < n; i++)
            bad |= null_syscall() ^ pid;
        t1 = rdtsc();
        if (bad) {
            printf("lotr-bench: getpid did not return %d\n", pid);
            return 1;
        }
        check = (uint32_t)pid;
    } else if (!strcmp(name, "sign-heap") || !strcmp(name, "sign-privuser")) {
        int privuser = !strcmp(name, "sign-privuser");
        uint8_t msg[MSG_LEN], sig[HB_SIG_LEN], want[HB_SIG_LEN];
        uint8_t *key = malloc(HB_KEY_LEN);
        if (!key)
            return 1;
        memcpy(key, heap_key_init, HB_KEY_LEN);
        if (privuser && privcall(ID_INSTALL_KEY, (uint32_t)key, 0, 0) != 0) {
            printf("lotr-bench: privcall(install key) failed\n");
            return 1;
        }
        memset(sig, 0, sizeof sig);
        make_message(msg, 0);
        t0 = rdtsc();
        for (uint32_t i = 0; i < n; i++) {
            memcpy(msg, &i, sizeof i); /* make_message(msg, i), by its first word */
            if (privuser) {
                if (privcall(ID_SIGN, (uint32_t)msg, MSG_LEN, (uint32_t)sig) != HB_SIG_LEN) {
                    printf("lotr-bench: privcall(sign) failed\n");
                    return 1;
                }
            } else {
                sign_heap(key, msg, MSG_LEN, sig);
            }
            check = fold(check, sig_word(sig));
        }
        t1 = rdtsc();
        if (n > 0) { /* the last signature, recomputed in ring 3 */
            make_message(msg, n - 1);
            hb_sign(heap_key_init, msg, MSG_LEN, want);
            if (memcmp(sig, want, HB_SIG_LEN)) {
                printf("lotr-bench: %s: the last signature is wrong\n", name);
                return 1;
            }
        }
        free(key);
    } else {
        printf("hb_bench: unknown figure '%s'\n", name);
        return 2;
    }
    report(name, n, t1 - t0, check);
    return 0;
}

static const struct { const char *name; uint32_t n; } defaults[] = {
    { "near", 1000000 }, { "privcall0", 100000 }, { "privcall3", 100000 }, { "syscall", 100000 },
    { "sign-heap", 10000 }, { "sign-privuser", 10000 },
};

int main(int argc, char **argv)
{
    for (int k = 0; k < HB_KEY_LEN; k++)
        heap_key_init[k] = (uint8_t)(0xA5 ^ (k * 29));
    int status = 0;
    printf("lotr-bench start\n");
    if (argc < 2) {
        for (unsigned i = 0; i < sizeof defaults / sizeof defaults[0] && !status; i++)
            status = run_figure(defaults[i].name, defaults[i].n);
    }
    for (int a = 1; a < argc && !status; a++) {
        char name[32];
        const char *colon = strchr(argv[a], ':');
        size_t len = colon ? (size_t)(colon - argv[a]) : strlen(argv[a]);
        if (len >= sizeof name) {
            printf("hb_bench: bad figure '%s'\n", argv[a]);
            return 2;
        }
        memcpy(name, argv[a], len);
        name[len] = 0;
        uint32_t n = 0;
        int found = 0;
        for (unsigned i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            if (!strcmp(defaults[i].name, name))
                n = defaults[i].n, found = 1;
        if (colon) {
            char *end;
            unsigned long v = strtoul(colon + 1, &end, 10);
            if (end == colon + 1 || *end || v > 0xFFFFFFFFul) {
                printf("hb_bench: bad count in '%s'\n", argv[a]);
                return 2;
            }
            n = (uint32_t)v;
        }
        if (!found) {
            printf("hb_bench: unknown figure '%s' (near, privcall0, privcall3, syscall, sign-heap, sign-privuser)\n",
                name);
            return 2;
        }
        status = run_figure(name, n);
    }
    printf("lotr-bench %s\n", status ? "failed" : "done");
    return status;
}
