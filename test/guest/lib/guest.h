/* The library every guest test program links: serial output on COM1, exit through isa-debug-exit,
 * the GDT and IDT, expected-fault recovery, the 8259A PIC, and thin wrappers for privileged instructions. */
#ifndef GUEST_H
#define GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

/* Scratch memory at fixed physical addresses, so that printed addresses do not depend on link layout.
 * 8 MiB..15 MiB is above anything a loader puts there for these small kernels; paging tables live at 15 MiB. */
#define SCRATCH_BASE 0x00800000u

/* ---- program entry and exit ---- */
struct multiboot_info;
void test_main(u32 magic, struct multiboot_info *mbi);
__attribute__((noreturn)) void test_exit(u32 code);
#define EXIT_UNEXPECTED_FAULT 0x7e

/* ---- serial output (COM1, polled 16550) ---- */
void serial_init(void);
void serial_putc(char c);
void puts(const char *s); /* no newline added */
/* %s %c %d %u %x %X with optional 0-padding width (%08x), %% */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *flags_str(u32 eflags, u32 defined); /* "OSZAPC" letters, '-' clear, '.' undefined */

/* ---- memory ---- */
void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);
int memcmp(const void *a, const void *b, u32 n);
u32 strlen(const char *s);

/* ---- port I/O and privileged registers ---- */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#define DEFINE_CR(n)                                                                                     \
    static inline u32 read_cr##n(void) { u32 v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(u32 v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PGE (1u << 7)

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void invlpg(u32 addr) { __asm__ volatile("invlpg (%0)" ::"r"(addr) : "memory"); }
static inline u32 read_eflags(void) { u32 v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }
static inline void write_eflags(u32 v) { __asm__ volatile("pushl %0; popfl" ::"r"(v) : "memory", "cc"); }
static inline u16 read_ds(void) { u16 v; __asm__ volatile("mov %%ds, %0" : "=r"(v)); return v; }
static inline void load_ds(u16 sel) { __asm__ volatile("mov %0, %%ds" ::"r"(sel) : "memory"); }
static inline void load_es(u16 sel) { __asm__ volatile("mov %0, %%es" ::"r"(sel) : "memory"); }
static inline void load_fs(u16 sel) { __asm__ volatile("mov %0, %%fs" ::"r"(sel) : "memory"); }
static inline void load_gs(u16 sel) { __asm__ volatile("mov %0, %%gs" ::"r"(sel) : "memory"); }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

#define EFLAGS_CF 0x0001u
#define EFLAGS_PF 0x0004u
#define EFLAGS_AF 0x0010u
#define EFLAGS_ZF 0x0040u
#define EFLAGS_SF 0x0080u
#define EFLAGS_TF 0x0100u
#define EFLAGS_IF 0x0200u
#define EFLAGS_DF 0x0400u
#define EFLAGS_OF 0x0800u
#define EFLAGS_STATUS 0x08d5u /* OF SF ZF AF PF CF */

/* ---- GDT (lib/boot.asm holds 32 entries; 0x08 and 0x10 are the flat kernel segments) ---- */
#define GDT_ENTRIES 32
extern u64 gdt[GDT_ENTRIES];
/* access: P DPL S type byte (0x92 = present ring-0 read/write data); flags: G D/B L AVL nibble (0xC = 4K, 32-bit) */
void gdt_set(int index, u32 base, u32 limit, u8 access, u8 flags);
u64 gdt_descriptor(u32 base, u32 limit, u8 access, u8 flags);

/* ---- IDT and exceptions ---- */
struct frame {
    u32 gs, fs, es, ds;
    u32 edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax;
    u32 vector, error;
    u32 eip, cs, eflags; /* pushed by the CPU (same privilege: no SS:ESP) */
};
typedef void (*handler_fn)(struct frame *f);
void idt_init(void);
void set_handler(int vector, handler_fn h); /* NULL: back to "unexpected" */
void idt_set_gate(int vector, u32 offset, u16 selector, u8 type_attr);
void idt_set_present(int vector, int present);
void idt_reload(u32 limit); /* LIDT with the same base and this limit */
extern u64 idt[256];
extern const u32 isr_stubs[256];

struct fault {
    u32 vector, error, eip, cr2, taken;
};
extern struct fault last_fault;
/* Calls fn(arg); returns -1 if it returned, or the vector of the fault it took (details in last_fault). */
int try_call(void (*fn)(void *), void *arg);
/* "#GP(0x0010)", "#UD", "none" for the last try_call result */
const char *fault_str(int vector);
extern const char *const vector_names[32];
/* true if the vector pushes an error code */
int vector_has_error(int vector);

/* ---- paging (lib/paging.c): identity map of the first 16 MiB, 4 KiB pages; tables above the scratch area ---- */
#define IDENTITY_MIB 16
#define PAGE_DIRECTORY ((u32 *)0x00f00000)
#define PAGE_TABLES ((u32 *)0x00f01000)
#define PTE_P (1u << 0)
#define PTE_RW (1u << 1)
#define PTE_US (1u << 2)
#define PTE_PWT (1u << 3)
#define PTE_PCD (1u << 4)
#define PTE_A (1u << 5)
#define PTE_D (1u << 6)
#define PTE_PS (1u << 7)
#define PTE_G (1u << 8)
u32 *paging_identity_map(void); /* builds the tables, returns the page directory */
void paging_enable(u32 *pd);    /* CR3, then CR0.PG */
void paging_disable(void);
u32 *pte_of(u32 linear);        /* the PTE that maps a linear address (through a 4 KiB page table) */

/* ---- one instruction with a chosen register state (lib/insn.inc) ---- */
struct regs {
    u32 eax, ebx, ecx, edx, esi, edi, ebp, eflags;
};
typedef void (*insn_fn)(struct regs *r);

/* ---- 8259A PIC (master 0x20/0x21, slave 0xA0/0xA1), remapped to 0x20..0x2F ---- */
#define IRQ_BASE 0x20
void pic_init(void); /* ICW1..4, all IRQs masked */
void pic_set_mask(u16 mask); /* bit n masks IRQ n */
void pic_eoi(int irq);
u8 pic_read_irr(int slave);
u8 pic_read_isr(int slave);

#endif
