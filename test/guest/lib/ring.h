/* Rings 1-3 for the guest test programs (lib/ring.c, lib/ring.asm): flat code and data segments per ring, one
 * 32-bit TSS with SS0:ESP0..SS2:ESP2 and an I/O permission bitmap, a DPL-3 call gate back to ring 0, and
 * ring_run(), which enters ring n by IRET, runs a C function there and comes back (or reports its fault).
 * GDT slots 20..28 belong to this file; 3..19 and 29..31 stay free for the programs. */
#ifndef RING_H
#define RING_H
#include "guest.h"

#define SEL_R1_CODE 0xa1 /* GDT 20: DPL 1 code, RPL 1 */
#define SEL_R1_DATA 0xa9 /* GDT 21 */
#define SEL_R2_CODE 0xb2 /* GDT 22 */
#define SEL_R2_DATA 0xba /* GDT 23 */
#define SEL_R3_CODE 0xc3 /* GDT 24 */
#define SEL_R3_DATA 0xcb /* GDT 25 */
#define SEL_TSS 0xd0     /* GDT 26: the 32-bit TSS below */
#define SEL_EXIT_GATE 0xd8 /* GDT 27: DPL-3 call gate to ring_exit (ring 0) */
#define SEL_LDT 0xe0     /* GDT 28: an LDT descriptor, set by ldt_install */
#define GDT_FREE_FIRST 3

static inline u16 ring_code_sel(int ring) { return ring == 0 ? KERNEL_CS : (u16)((0xa0 + (ring - 1) * 0x10) | ring); }
static inline u16 ring_data_sel(int ring) { return ring == 0 ? KERNEL_DS : (u16)((0xa8 + (ring - 1) * 0x10) | ring); }

/* Fixed physical addresses (so that printed stack pointers are stable): stacks, TSS, LDT. */
#define RING_STACK_TOP(r) (0x00a10000u + (u32)(r) * 0x10000u) /* ring 0 (ESP0, interrupts) .. ring 3 */
#define RING_TSS_ADDR 0x00a40000u
#define RING_LDT_ADDR 0x00a44000u
#define RING_LDT_ENTRIES 16

struct tss32 {
    u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u32 es, cs, ss, ds, fs, gs, ldt;
    u16 trap, iomap;
} __attribute__((packed));
#define TSS_SIZE 104u
#define IOMAP_BYTES 8192u
#define TSS_FULL_LIMIT (TSS_SIZE + IOMAP_BYTES) /* 104-byte TSS, the bitmap, one 0xff byte after it */

static inline struct tss32 *ring_tss(void) { return (struct tss32 *)RING_TSS_ADDR; }
static inline u8 *ring_iomap(void) { return (u8 *)(RING_TSS_ADDR + TSS_SIZE); }
static inline u64 *ring_ldt(void) { return (u64 *)RING_LDT_ADDR; }

/* Ring segments, TSS (stacks, a bitmap that denies every port), LTR, exit gate, null LDTR. */
void ring_init(void);
/* A call or interrupt/trap gate descriptor (type 0xC call, 0x4 16-bit call, 0xE/0xF interrupt/trap, 0x5 task). */
u64 gate_descriptor(u16 selector, u32 offset, u8 type, u8 dpl, u8 params);
/* Clears the busy bit of the TSS descriptor, sets its limit, and loads TR again. */
void tss_reload(u32 limit);
/* An LDT of RING_LDT_ENTRIES at RING_LDT_ADDR, its descriptor in GDT 28, and LLDT. */
void ldt_install(void);
/* I/O bitmap: allow (clear) or deny (set) ports first..first+count-1. */
void iomap_set(u32 first, u32 count, int allow);
void iomap_deny_all(void);

/* How ring_run_with enters the ring: the EFLAGS image for IRET and the four data segment registers loaded at
 * CPL 0 before it. The trampoline records what it finds in DS/ES/FS/GS (ring_seen), then loads DS and ES with
 * the ring's data segment and leaves FS and GS as they came. */
struct ring_entry {
    u32 ring, eflags;
    u16 ds, es, fs, gs;
};
extern u32 ring_seen[4]; /* DS ES FS GS at the trampoline's first instruction */
/* Runs fn(arg) at CPL ring; -1 if it returned, else the vector of its fault (lib/idt.c try_call, last_fault). */
int ring_run(int ring, void (*fn)(void *), void *arg);
int ring_run_with(const struct ring_entry *e, void (*fn)(void *), void *arg);

/* A fault taken at CPL > 0: the frame also holds the outer SS:ESP (SDM Vol. 3A Figure 6-4). */
struct ring_frame {
    struct frame f;
    u32 esp, ss;
};
static inline struct ring_frame *ring_frame_of(struct frame *f) { return (struct ring_frame *)f; }

/* "ok" or fault_str(v): the outcome of one try_call/ring_run */
void print_outcome(const char *description, int vector);
#endif
