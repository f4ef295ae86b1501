/* Rings 1-3: their segments, the TSS with the inner stacks and the I/O bitmap, the LDT, and ring_run
 * (Intel SDM Vol. 3A §5.5-§5.8, §7.2, §19.5 (I/O permission bit map)). */
#include "ring.h"

extern void ring_exit(void);
extern void ring_enter(void *entry);

u64 gate_descriptor(u16 selector, u32 offset, u8 type, u8 dpl, u8 params)
{
    u32 lo = (offset & 0xffff) | ((u32)selector << 16);
    u32 hi = (offset & 0xffff0000u) | (1u << 15) | ((u32)(dpl & 3) << 13) | ((u32)(type & 0xf) << 8) | (params & 0x1f);
    return ((u64)hi << 32) | lo;
}

void iomap_deny_all(void)
{
    memset(ring_iomap(), 0xff, IOMAP_BYTES + 1);
}

void iomap_set(u32 first, u32 count, int allow)
{
    u8 *map = ring_iomap();
    for (u32 port = first; port < first + count; port++) {
        if (allow)
            map[port >> 3] &= (u8)~(1u << (port & 7));
        else
            map[port >> 3] |= (u8)(1u << (port & 7));
    }
}

void tss_reload(u32 limit)
{
    gdt_set(SEL_TSS >> 3, RING_TSS_ADDR, limit, 0x89, 0x0); /* present, DPL 0, 32-bit TSS available */
    __asm__ volatile("ltr %w0" ::"r"((u16)SEL_TSS) : "memory");
}

void ldt_install(void)
{
    memset(ring_ldt(), 0, RING_LDT_ENTRIES * 8);
    gdt_set(SEL_LDT >> 3, RING_LDT_ADDR, RING_LDT_ENTRIES * 8 - 1, 0x82, 0x0); /* present, DPL 0, LDT */
    __asm__ volatile("lldt %w0" ::"r"((u16)SEL_LDT) : "memory");
}

void ring_init(void)
{
    for (int ring = 1; ring <= 3; ring++) {
        u8 dpl = (u8)(ring << 5);
        gdt_set(ring_code_sel(ring) >> 3, 0, 0xfffff, (u8)(0x9a | dpl), 0xc); /* execute/read */
        gdt_set(ring_data_sel(ring) >> 3, 0, 0xfffff, (u8)(0x92 | dpl), 0xc); /* read/write */
    }
    struct tss32 *tss = ring_tss();
    memset(tss, 0, TSS_SIZE);
    tss->ss0 = KERNEL_DS;
    tss->esp0 = RING_STACK_TOP(0);
    tss->ss1 = SEL_R1_DATA;
    tss->esp1 = RING_STACK_TOP(1);
    tss->ss2 = SEL_R2_DATA;
    tss->esp2 = RING_STACK_TOP(2);
    tss->iomap = TSS_SIZE;
    iomap_deny_all();
    tss_reload(TSS_FULL_LIMIT);
    gdt[SEL_EXIT_GATE >> 3] = gate_descriptor(KERNEL_CS, (u32)ring_exit, 0xc, 3, 0);
    __asm__ volatile("lldt %w0" ::"r"((u16)0) : "memory");
}

static void enter(void *entry)
{
    ring_enter(entry);
}

int ring_run_with(const struct ring_entry *e, void (*fn)(void *), void *arg)
{
    /* the trampoline finds the ring's data selector, fn and arg on its stack */
    u32 *top = (u32 *)RING_STACK_TOP(e->ring);
    top[-1] = (u32)arg;
    top[-2] = (u32)fn;
    top[-3] = ring_data_sel((int)e->ring);
    return try_call(enter, (void *)e);
}

int ring_run(int ring, void (*fn)(void *), void *arg)
{
    u16 data = ring_data_sel(ring);
    struct ring_entry e = { (u32)ring, 0x2, data, data, data, data };
    return ring_run_with(&e, fn, arg);
}

void print_outcome(const char *description, int vector)
{
    printf("%s -> %s\n", description, vector < 0 ? "ok" : fault_str(vector));
}
