/* LOTRx86 (Lee, Song, Kang, CCS 2018) on IA-32: a ring-2 "PrivUser" layer inside each process that asks
 * for one (kernel/lotr/, docs/lotrx86.md). The first half of this header is the ABI, shared with user space
 * (kernel/user/lib/privuser.h includes it); the second half is the kernel's interface.
 *
 * The PrivUser window, in every address space (supervisor pages only; ring 3 has none there):
 *   0x01000000  the ring-2 entry stub (kernel code copied in; R+X)
 *   0x01001000  the dispatch table the kernel builds at load (R+NX: ring 2 cannot write it, CR0.WP=1)
 *   0x01002000  unmapped guard page
 *   0x01003000  the ring-2 stack, 16 KiB (RW+NX); TSS ESP2 = 0x01007000
 *   0x01007000  unmapped guard page
 *   0x01008000  the privcall counters, one dword per id (RW+NX): the stub counts each call, the kernel moves
 *               the counts into the Nested Kernel's append-only audit log at the next system call or exit
 *   0x01010000  the program's .privuser.* ELF sections: header + exports and rodata (R+NX), text (R+X),
 *               data and bss (RW+NX), each page-aligned, up to 0x02000000
 *   0x02000000  the PrivUser heap, 64 KiB (RW+NX), managed by priv_alloc/priv_free in ring 2
 *   ...-0x07ffffff  reserved: no ring-3 mapping and no system-call buffer may lie in the window
 */
#ifndef KERNELIST_LOTR_H
#define KERNELIST_LOTR_H

#include <stdint.h>

#define PRIVUSER_BASE       0x01000000u
#define PRIVUSER_STUB_VA    0x01000000u
#define PRIVUSER_TABLE_VA   0x01001000u
#define PRIVUSER_STACK_LOW  0x01003000u
#define PRIVUSER_STACK_TOP  0x01007000u
#define PRIVUSER_AUDIT_VA   0x01008000u
#define PRIVUSER_ELF_BASE   0x01010000u
#define PRIVUSER_ELF_END    0x02000000u
#define PRIVUSER_HEAP_VA    0x02000000u
#define PRIVUSER_HEAP_SIZE  0x00010000u
#define PRIVUSER_END        0x08000000u

/* LDT selectors (TI=1): the PrivUser code and data segments (DPL 2, RPL 2) and the privcall gate (DPL 3). */
#define PRIV_CS        0x06
#define PRIV_DS        0x0E
#define PRIVCALL_GATE  0x17
#define PRIVCALL_GATE_PARAMS 0   /* id, a, b, c travel in EAX, ECX, EDX, EBX: the stub returns with RETF */

#define PRIVCALL_MAX      64     /* ids 0..63 */
#define PRIVCALL_COPY_MAX 4096   /* bytes of pointer arguments copied in/out per privcall, all arguments together */

/* Argument kinds (struct privcall_export.kind[i]). A pointer argument's length is the constant len[i],
 * or with PRIV_LEN_FROM_ARG the value of argument number len[i] (0-2), which must be a PRIV_VAL argument. */
#define PRIV_VAL   0 /* passed as it is */
#define PRIV_IN    1 /* pointer to len bytes of ring-3 memory, copied into PrivUser before the call */
#define PRIV_OUT   2 /* pointer to len bytes of ring-3 memory, written from a zeroed PrivUser buffer after it */
#define PRIV_INOUT 3
#define PRIV_LEN_FROM_ARG 4

#define PRIVUSER_MAGIC 0x52544F4Cu /* "LOTR" */

/* What the program's linker script (user/lib/privuser.ld) puts at PRIVUSER_ELF_BASE. */
struct privuser_header {
    uint32_t magic;
    uint32_t text_start, text_end;       /* page-aligned: the ring-2 code segment ends at text_end - 1 */
    uint32_t exports_start, exports_end; /* an array of struct privcall_export */
};

/* One secret function, as the program declares it (PRIVCALL_EXPORT in privuser.h). */
struct privcall_export {
    uint32_t id;
    uint32_t fn;          /* int fn(uint32_t a, uint32_t b, uint32_t c), in .privuser.text */
    uint8_t kind[3];
    uint8_t reserved;
    uint16_t len[3];
    uint16_t reserved2;
};

/* The dispatch table at PRIVUSER_TABLE_VA, read by the stub: slot[id] is valid when fn != 0. */
struct privcall_slot {
    uint32_t fn;
    uint8_t kind[3];
    uint8_t reserved;
    uint16_t len[3];
    uint16_t reserved2;
};
struct privcall_table {
    uint32_t count;       /* ids below count may be valid */
    uint32_t reserved[3];
    struct privcall_slot slot[PRIVCALL_MAX];
};

_Static_assert(sizeof(struct privcall_export) == 20, "privcall_export is 20 bytes");
_Static_assert(sizeof(struct privcall_slot) == 16, "the stub indexes slots by id * 16");
_Static_assert(sizeof(struct privcall_table) <= 4096, "the table is one page");

/* ---- the kernel side (kernel/lotr/) ---------------------------------------------------------------- */
struct proc;
struct trap_frame;
struct aspace;

/* Gives p a PrivUser area if its program has one (a valid header at PRIVUSER_ELF_BASE): builds the
 * dispatch table, maps the stub, table, ring-2 stack and heap, fills p's LDT. 0, or -errno (-ENOEXEC
 * for a malformed header or export). */
int lotr_spawn(struct proc *p);
/* Zeroes every PrivUser frame of p (before its address space is freed) and empties its LDT. */
void lotr_exit(struct proc *p);
/* On a context switch to next: LLDT of its LDT (or the empty one) and TSS SS2:ESP2. */
void lotr_switch_to(struct proc *next);
/* Moves p's privcall counts into the audit log (NK_AUDIT_PRIVCALL records, one per call) and zeroes them. */
void lotr_audit_drain(struct proc *p);
/* Every trap from CPL 2 (arch/trap.c): IRQs and preemption as usual, system calls refused, faults kill. */
void lotr_trap(struct trap_frame *f);
/* True when p has a PrivUser area. */
int lotr_active(const struct proc *p);

/* demo=heartbleed (kernel/lotr/demo.c): runs /bin/hb_demo, then powers off through port 0xF4. */
__attribute__((noreturn)) void lotr_demo_heartbleed(void);
/* bench=lotr (kernel/lotr/bench.c): runs /bin/hb_bench with the lotr=FIG:N,... arguments, then powers off. */
__attribute__((noreturn)) void lotr_bench(void);

/* For the tests (kernel/core/lotr_tests.c): what the last lotr_exit wiped. */
#define LOTR_WIPE_LOG 64
struct lotr_wipe_record {
    int pid;
    unsigned pages;                     /* frames zeroed */
    uint32_t frames[LOTR_WIPE_LOG];     /* the first LOTR_WIPE_LOG of them (physical addresses) */
};
extern struct lotr_wipe_record lotr_last_wipe;
/* Since boot: system calls refused from ring 2, CPL-2 faults that killed a process, and timer
 * interrupts at CPL 2 after which other processes ran before this one resumed at CPL 2. */
extern unsigned lotr_refused_syscalls, lotr_ring2_kills, lotr_ring2_preemptions;
/* The LDT of p (LOTR_LDT_ENTRIES descriptors), for tests. */
#define LOTR_LDT_ENTRIES 4
const void *lotr_ldt_of(const struct proc *p);

#endif
