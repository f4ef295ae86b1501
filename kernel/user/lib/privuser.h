/* LOTRx86's programmer's interface (docs/lotrx86.md). Secret functions and data are plain C marked
 * with PRIVUSER_FN / PRIVUSER_DATA / PRIVUSER_RODATA; PRIVCALL_EXPORT gives a function an id; ring 3
 * calls it with privcall(id, a, b, c). Programs using this link with user/lib/privuser.ld (the
 * Makefile does it for bin/hb_* and tests/lotr_*). Rules for secret code, which runs at CPL 2 with
 * segments that end at the window: call only other PRIVUSER_FN functions (priv_memcpy, not memcpy),
 * use no string literals or switch tables (the compiler puts them in ring-3 .rodata), and make no
 * system calls (they are refused). */
#ifndef KL_USER_PRIVUSER_H
#define KL_USER_PRIVUSER_H

#include <stdint.h>
#include <stddef.h>
#include <kernel/lotr.h>

#define PRIVUSER_FN     __attribute__((section(".privuser.text"), noinline, noclone, used, optimize("no-jump-tables")))
#define PRIVUSER_DATA   __attribute__((section(".privuser.data")))
#define PRIVUSER_RODATA __attribute__((section(".privuser.rodata")))

/* Exports fn (int fn(uint32_t, uint32_t, uint32_t)) as privcall id with argument kinds k0-k2 (PRIV_VAL,
 * PRIV_IN, PRIV_OUT, PRIV_INOUT, optionally | PRIV_LEN_FROM_ARG) and lengths l0-l2. */
#define PRIVCALL_EXPORT(id_, fn_, k0, l0, k1, l1, k2, l2)                                              \
    static const struct privcall_export privcall_export_##fn_                                           \
        __attribute__((used, section(".privuser.exports"), aligned(4))) = {                            \
            (id_), (uint32_t)(fn_), { (k0), (k1), (k2) }, 0, { (l0), (l1), (l2) }, 0 }

/* Ring 3: calls secret function id through the LDT gate. Its result, or -ENOSYS (no such id), -EFAULT
 * (a pointer argument not wholly in ring-3 memory), -E2BIG (over PRIVCALL_COPY_MAX bytes), -EBUSY. */
int privcall(uint32_t id, uint32_t a, uint32_t b, uint32_t c);
/* Ring 3: the same far call through the gate selector given (for the tests of RPL handling). */
int privcall_via(uint16_t gate_selector, uint32_t id, uint32_t a, uint32_t b, uint32_t c);

/* Ring 2 only (they live in PrivUser): the PrivUser heap (PRIVUSER_HEAP_SIZE bytes), and byte helpers. */
void *priv_alloc(size_t size);
void priv_free(void *p);
void priv_memcpy(void *dst, const void *src, size_t n);
void priv_memset(void *dst, int c, size_t n);

#endif
