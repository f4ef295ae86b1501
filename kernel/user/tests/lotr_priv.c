/* lotr_priv MODE: LOTRx86 behaviour that must work (exit 0; one line per failed check on stderr).
 *   basic            privcalls by value and by pointer (in, out, in/out), the PrivUser heap, CPL 2 inside
 *   badid            ids that are a hole in the table, past it, huge: -ENOSYS
 *   badptr           pointer arguments into PrivUser, the kernel, across the window edges, wrapping: -EFAULT
 *   toobig           more than PRIVCALL_COPY_MAX bytes to copy: -E2BIG
 *   nested           a privcall from inside a privcall: -EBUSY
 *   syscall          int 0x80 from ring 2: -EPERM
 *   rpl              the gate through a selector with RPL 0-3: CPL 2 every time, never more
 *   deputy           read()/write() of PrivUser memory for ring 3: -EFAULT (no confused deputy)
 *   spin ITERS SEED  a computation in ring 2 of at least 60 ms (timer interrupts and preemption at CPL 2),
 *                    checked against the same computation in ring 3
 *   fresh            keeps a secret in PrivUser, then runs "fresh-child", which must see the initial state
 *   marker HEX       writes the 16-byte marker HEX into PrivUser data and heap, then exits (the kernel
 *                    test then looks for it in the frames the exit wiped) */
#include "utest.h"
#include <kernelist.h>
#include <privuser.h>
#include <stdint.h>

enum { ID_ADD = 0, ID_STORE = 1, ID_SUM = 2, ID_FILL = 3, ID_XOR = 4, ID_HEAP = 5, ID_NESTED = 6,
       ID_SYSCALL = 7, ID_WHERE = 8, ID_SPIN = 9, ID_MARK = 12, ID_HOLE = 11 };

PRIVUSER_DATA static uint8_t secret[64] = { 7, 7, 7, 7 }; /* initial state: 7 7 7 7 then zeros */
PRIVUSER_DATA static uint32_t secret_len = 4;
PRIVUSER_DATA static void *marker_block;

PRIVUSER_FN static int p_add(uint32_t a, uint32_t b, uint32_t c) { return (int)(a + b + c); }

PRIVUSER_FN static int p_store(uint32_t buf, uint32_t len, uint32_t c)
{
    (void)c;
    if (len > sizeof secret)
        return -1;
    priv_memcpy(secret, (const void *)buf, len); /* buf is the PrivUser copy the stub made */
    secret_len = len;
    return (int)len;
}

PRIVUSER_FN static int p_sum(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    uint32_t s = 0;
    for (uint32_t i = 0; i < secret_len; i++)
        s = s * 31 + secret[i];
    return (int)s;
}

PRIVUSER_FN static int p_fill(uint32_t out, uint32_t len, uint32_t value)
{
    uint8_t *o = (uint8_t *)out;
    for (uint32_t i = 0; i < len; i++)
        o[i] = (uint8_t)(value + i);
    return 0;
}

PRIVUSER_FN static int p_xor(uint32_t buf, uint32_t key, uint32_t c)
{
    (void)c;
    uint8_t *b = (uint8_t *)buf;
    for (uint32_t i = 0; i < 8; i++)
        b[i] ^= (uint8_t)key;
    return 8;
}

/* The PrivUser heap: blocks are disjoint, zeroed, inside the heap window, and reusable after free. */
PRIVUSER_FN static int p_heap(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    uint8_t *x = priv_alloc(100), *y = priv_alloc(5000);
    if (!x || !y)
        return 1;
    if ((uint32_t)x < PRIVUSER_HEAP_VA || (uint32_t)y + 5000 > PRIVUSER_HEAP_VA + PRIVUSER_HEAP_SIZE)
        return 2;
    if (x + 100 > y && y + 5000 > x)
        return 3;
    for (int i = 0; i < 5000; i++)
        if (y[i])
            return 4;
    priv_memset(x, 0xAA, 100);
    priv_free(x);
    uint8_t *z = priv_alloc(64);
    if (!z || z[0] || z[63])
        return 5; /* freed memory comes back zeroed */
    if (priv_alloc(PRIVUSER_HEAP_SIZE))
        return 6;
    priv_free(y);
    priv_free(z);
    uint8_t *big = priv_alloc(PRIVUSER_HEAP_SIZE - 64); /* everything merged again */
    if (!big)
        return 7;
    priv_free(big);
    return 0;
}

/* A privcall from ring 2: the stub must refuse it (-EBUSY). */
PRIVUSER_FN static int p_nested(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    int r;
    __asm__ volatile("lcall $0x17, $0" : "=a"(r) : "a"(0), "c"(0), "d"(0) : "memory");
    return r;
}

/* int 0x80 from ring 2 (getpid): the kernel must refuse it (-EPERM). */
PRIVUSER_FN static int p_syscall(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(SYS_getpid) : "memory");
    return r;
}

/* CPL in bits 0-1, the stack RPL in 2-3, and whether DS is PRIV_DS (bit 4). */
PRIVUSER_FN static int p_where(uint32_t a, uint32_t b, uint32_t c)
{
    (void)a, (void)b, (void)c;
    uint32_t cs, ss, ds;
    __asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2" : "=r"(cs), "=r"(ss), "=r"(ds));
    return (int)((cs & 3) | ((ss & 3) << 2) | ((ds == PRIV_DS) << 4));
}

PRIVUSER_FN static int p_spin(uint32_t iters, uint32_t seed, uint32_t c)
{
    (void)c;
    volatile uint32_t x = seed; /* in PrivUser memory (the ring-2 stack) all along */
    for (uint32_t i = 0; i < iters; i++)
        x = x * 1103515245u + 12345u + (x >> 7);
    return (int)x;
}

PRIVUSER_FN static int p_mark(uint32_t buf, uint32_t b, uint32_t c)
{
    (void)b, (void)c;
    priv_memcpy(secret, (const void *)buf, 16);
    marker_block = priv_alloc(16);
    if (!marker_block)
        return 1;
    priv_memcpy(marker_block, (const void *)buf, 16);
    return 0;
}

PRIVCALL_EXPORT(ID_ADD, p_add, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_STORE, p_store, PRIV_IN | PRIV_LEN_FROM_ARG, 1, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_SUM, p_sum, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_FILL, p_fill, PRIV_OUT | PRIV_LEN_FROM_ARG, 1, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_XOR, p_xor, PRIV_INOUT, 8, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_HEAP, p_heap, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_NESTED, p_nested, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_SYSCALL, p_syscall, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_WHERE, p_where, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_SPIN, p_spin, PRIV_VAL, 0, PRIV_VAL, 0, PRIV_VAL, 0);
PRIVCALL_EXPORT(ID_MARK, p_mark, PRIV_IN, 16, PRIV_VAL, 0, PRIV_VAL, 0);

static uint32_t sum_of(const uint8_t *b, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s = s * 31 + b[i];
    return s;
}

/* Pointer arguments that are not wholly ring-3 memory: each privcall must answer -EFAULT. */
static void bad_pointers(void)
{
    static const struct { const char *what; uint32_t addr; uint32_t len; } bad[] = {
        { "NULL", 0, 8 }, { "PrivUser heap", PRIVUSER_HEAP_VA, 8 }, { "PrivUser data", PRIVUSER_ELF_BASE, 8 },
        { "the stub", PRIVUSER_STUB_VA, 8 }, { "the ring-2 stack", PRIVUSER_STACK_TOP - 16, 8 },
        { "across the window start", PRIVUSER_BASE - 4, 8 }, { "across the window end", PRIVUSER_END - 4, 8 },
        { "kernel", 0xC0000000u, 8 }, { "kernel text", 0xC0100000u, 8 }, { "across USER_TOP", 0xBFFFFFFCu, 8 },
        { "wrapping", 0xFFFFFFF8u, 16 },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = privcall(ID_STORE, bad[i].addr, bad[i].len, 0);
        if (r != -EFAULT)
            FAIL("privcall(store) with a pointer into %s = %d, want -EFAULT", bad[i].what, r);
        r = privcall(ID_FILL, bad[i].addr, bad[i].len, 1);
        if (r != -EFAULT)
            FAIL("privcall(fill) with a pointer into %s = %d, want -EFAULT", bad[i].what, r);
    }
    /* Ring-3 addresses that pass the range check but are not mapped: the stub's copy faults in ring 2 and
     * its fixup answers -EFAULT (the process lives on). The break's page is the last mapped one of the heap. */
    uint32_t brk_page_end = ((uint32_t)sys_sbrk(0) + 4095u) & ~4095u;
    const struct { const char *what; uint32_t addr; } unmapped[] = {
        { "unmapped user memory", 0x60000000u }, { "a buffer running off the end of the heap", brk_page_end - 4 },
    };
    for (unsigned i = 0; i < sizeof unmapped / sizeof unmapped[0]; i++) {
        int r = privcall(ID_STORE, unmapped[i].addr, 8, 0);
        if (r != -EFAULT)
            FAIL("privcall(store) with a pointer into %s = %d, want -EFAULT", unmapped[i].what, r);
        r = privcall(ID_FILL, unmapped[i].addr, 8, 1);
        if (r != -EFAULT)
            FAIL("privcall(fill) with a pointer into %s = %d, want -EFAULT", unmapped[i].what, r);
    }
}

/* read() and write() of PrivUser memory for ring 3: the kernel must not be the deputy. */
static void no_confused_deputy(void)
{
    int p[2];
    CHECK_OK(sys_pipe(p));
    static const uint32_t targets[] = { PRIVUSER_ELF_BASE, PRIVUSER_HEAP_VA, PRIVUSER_STUB_VA, PRIVUSER_TABLE_VA,
                                        PRIVUSER_STACK_LOW, 0x03000000u /* unmapped, in the window */ };
    for (unsigned i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        sys_write(p[1], "0123456789abcdef", 16);
        CHECK_RAW(sys_read(p[0], (void *)targets[i], 16), -EFAULT);
        CHECK_RAW(sys_write(p[1], (const void *)targets[i], 16), -EFAULT);
        char drain[16];
        sys_read(p[0], drain, 16);
    }
    int fd = sys_open("/bin/sh", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_RAW(sys_read(fd, (void *)PRIVUSER_HEAP_VA, 64), -EFAULT);
    sys_close(fd);
    sys_close(p[0]);
    sys_close(p[1]);
}

static void basic(void)
{
    CHECK_RAW(privcall(ID_ADD, 2, 3, 4), 9);
    CHECK_RAW(privcall(ID_SUM, 0, 0, 0), (int)sum_of((const uint8_t *)"\7\7\7\7", 4));
    uint8_t in[40];
    for (int i = 0; i < 40; i++)
        in[i] = (uint8_t)(i * 3 + 1);
    CHECK_RAW(privcall(ID_STORE, (uint32_t)in, 40, 0), 40);
    CHECK_RAW(privcall(ID_SUM, 0, 0, 0), (int)sum_of(in, 40));
    uint8_t out[32];
    memset(out, 0xEE, sizeof out);
    CHECK_RAW(privcall(ID_FILL, (uint32_t)out, 30, 100), 0);
    for (int i = 0; i < 30; i++)
        CHECK(out[i] == (uint8_t)(100 + i));
    CHECK(out[30] == 0xEE && out[31] == 0xEE); /* exactly len bytes come back */
    uint8_t io[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    CHECK_RAW(privcall(ID_XOR, (uint32_t)io, 0x55, 0), 8);
    CHECK(io[0] == (1 ^ 0x55) && io[7] == (8 ^ 0x55));
    CHECK_RAW(privcall(ID_HEAP, 0, 0, 0), 0);
    CHECK_RAW(privcall(ID_WHERE, 0, 0, 0), 2 | (2 << 2) | (1 << 4)); /* CPL 2, SS and DS the PrivUser ones */
    uint32_t cs, ds;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(cs), "=r"(ds));
    CHECK(cs == 0x1B && ds == 0x23); /* back in ring 3 with the user selectors */
    CHECK_RAW(privcall(ID_SUM, 0, 0, 0), (int)sum_of(in, 40)); /* the secret survived */
}

/* Bad ids: a hole in the table, past it, huge. */
static void bad_ids(void)
{
    CHECK_RAW(privcall(ID_HOLE, 0, 0, 0), -ENOSYS);
    CHECK_RAW(privcall(PRIVCALL_MAX, 0, 0, 0), -ENOSYS);
    CHECK_RAW(privcall(0xFFFFFFFFu, 0, 0, 0), -ENOSYS);
    CHECK_RAW(privcall(0x80000000u, 0, 0, 0), -ENOSYS);
    CHECK_RAW(privcall(ID_ADD, 1, 1, 1), 3); /* and the good ones still work */
}

/* The gate selector's RPL (0, 1, 2 or 3) changes nothing: the call lands at CPL 2, never higher. */
static void gate_rpl(void)
{
    for (unsigned rpl = 0; rpl < 4; rpl++) {
        uint16_t sel = (uint16_t)((PRIVCALL_GATE & ~3) | rpl);
        CHECK_RAW(privcall_via(sel, ID_WHERE, 0, 0, 0), 2 | (2 << 2) | (1 << 4));
        CHECK_RAW(privcall_via(sel, ID_ADD, 10, 20, 30), 60);
    }
}

static void too_big(void)
{
    uint8_t in[8] = { 0 };
    CHECK_RAW(privcall(ID_STORE, (uint32_t)in, PRIVCALL_COPY_MAX + 1, 0), -E2BIG);
    CHECK_RAW(privcall(ID_STORE, (uint32_t)in, 0xFFFFFFFFu, 0), -E2BIG);
}

static void nested(void) { CHECK_RAW(privcall(ID_NESTED, 0, 0, 0), -EBUSY); }
static void syscall_from_ring2(void) { CHECK_RAW(privcall(ID_SYSCALL, 0, 0, 0), -EPERM); }

/* Computes in ring 2 long enough (doubling ITERS until one call takes 60 ms or more) for timer
 * interrupts and preemption to land at CPL 2; every result must match ring 3's. */
static void spin(uint32_t iters, uint32_t seed)
{
    for (;;) {
        uint32_t x = seed;
        for (uint32_t i = 0; i < iters; i++)
            x = x * 1103515245u + 12345u + (x >> 7);
        int t0 = sys_uptime();
        int r = privcall(ID_SPIN, iters, seed, 0);
        int t1 = sys_uptime();
        if ((uint32_t)r != x) {
            FAIL("ring-2 spin of %u gave 0x%x, ring 3 0x%x", (unsigned)iters, (unsigned)r, (unsigned)x);
            return;
        }
        if (t1 - t0 >= 60)
            return;
        if (iters >= 0x40000000u) {
            FAIL("the ring-2 spin never took 60 ms");
            return;
        }
        iters *= 2;
    }
}

int main(int argc, char **argv)
{
    utest_name = "lotr_priv";
    static const struct { const char *name; void (*run)(void); } simple[] = {
        { "basic", basic }, { "badid", bad_ids }, { "badptr", bad_pointers }, { "toobig", too_big },
        { "nested", nested }, { "syscall", syscall_from_ring2 }, { "rpl", gate_rpl }, { "deputy", no_confused_deputy },
    };
    for (unsigned i = 0; argc == 2 && i < sizeof simple / sizeof simple[0]; i++) {
        if (!strcmp(argv[1], simple[i].name)) {
            simple[i].run();
            utest_exit();
        }
    }
    if (argc == 4 && !strcmp(argv[1], "spin")) {
        spin((uint32_t)strtoul(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0));
    } else if (argc == 2 && !strcmp(argv[1], "fresh")) {
        uint8_t s[4] = { 9, 9, 9, 9 };
        CHECK_RAW(privcall(ID_STORE, (uint32_t)s, 4, 0), 4);
        char *child[] = { argv[0], "fresh-child", NULL };
        int st = utest_run(child);
        if (st != W_EXITED(0))
            FAIL("fresh-child: status 0x%x", st);
        CHECK_RAW(privcall(ID_SUM, 0, 0, 0), (int)sum_of(s, 4)); /* and the parent's is untouched */
    } else if (argc == 2 && !strcmp(argv[1], "fresh-child")) {
        CHECK_RAW(privcall(ID_SUM, 0, 0, 0), (int)sum_of((const uint8_t *)"\7\7\7\7", 4));
    } else if (argc == 3 && !strcmp(argv[1], "marker") && strlen(argv[2]) == 32) {
        uint8_t m[16];
        for (int i = 0; i < 16; i++) {
            char hex[3] = { argv[2][2 * i], argv[2][2 * i + 1], 0 };
            m[i] = (uint8_t)strtoul(hex, NULL, 16);
        }
        CHECK_RAW(privcall(ID_MARK, (uint32_t)m, 0, 0), 0);
        memset(m, 0, sizeof m);
    } else {
        dprintf(2, "usage: lotr_priv basic|badid|badptr|toobig|nested|syscall|rpl|deputy | spin ITERS SEED | fresh | marker HEX32\n");
        return 2;
    }
    utest_exit();
}
