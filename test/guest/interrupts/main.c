/* interrupts: the 8254 PIT at 100 Hz through the 8259A PIC (remapped to 0x20), HLT waking on IRQs, the STI
 * interrupt shadow, PIC IMR/IRR/ISR reads (OCW3) and priority, and the 16550's THRE and receive interrupts
 * (IRQ 4). The host sends serialInput (test/guest/manifest.ts) before the run. Prints counts and data only:
 * never how long anything took. */
#include "guest.h"

#define COM1 0x3f8
#define PIT_HZ 1193182u
#define TICK_HZ 100u

extern u32 shadow_marker;
extern void sti_shadow(void), sti_hlt(void);
extern const u8 sti_hlt_after[];

static volatile u32 ticks;
static volatile u32 isr_seen_in_handler = 0xff, marker_seen, timer_eip;
static volatile u32 sample_isr, sample_marker;
static volatile u8 order[8];
static volatile u32 order_count;

static void timer(struct frame *f)
{
    ticks++;
    if (sample_isr) {
        isr_seen_in_handler = pic_read_isr(0);
        sample_isr = 0;
    }
    if (sample_marker) {
        marker_seen = shadow_marker;
        timer_eip = f->eip;
        sample_marker = 0;
    }
    if (order_count < 8)
        order[order_count++] = 0;
    pic_eoi(0);
}

static void pit_start(void)
{
    u32 divisor = (PIT_HZ + TICK_HZ / 2) / TICK_HZ;
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
    outb(0x40, (u8)divisor);
    outb(0x40, (u8)(divisor >> 8));
}

/* waits, with IF=0, until the PIC has latched IRQ 0; bounded so that a missing timer shows as "no" */
static int wait_irr0(void)
{
    for (u32 i = 0; i < 50000000; i++)
        if (pic_read_irr(0) & 1)
            return 1;
    return 0;
}

static void wait_ticks(u32 n)
{
    u32 until = ticks + n;
    while (ticks < until)
        __asm__ volatile("sti; hlt; cli");
}

static void pic_tests(void)
{
    pic_set_mask(0xfffe);
    printf("pic imr master=0x%02x slave=0x%02x\n", inb(0x21), inb(0xa1));
    printf("irq0 latched in irr while IF=0: %u\n", wait_irr0());
    printf("isr before the interrupt: 0x%02x\n", pic_read_isr(0));
    sample_isr = 1;
    u32 before = ticks;
    wait_ticks(1);
    printf("interrupt taken: %u, isr in the handler: 0x%02x, isr after eoi: 0x%02x\n", ticks - before >= 1,
           isr_seen_in_handler, pic_read_isr(0));
    pic_set_mask(0xffff);
    printf("irq0 latched in irr while masked: %u\n", wait_irr0());
    before = ticks;
    for (volatile u32 i = 0; i < 100000; i++)
        ;
    printf("masked and IF=0: no interrupt: %u\n", ticks == before);
    pic_set_mask(0xfffe);
    for (volatile u32 i = 0; i < 100000; i++)
        ;
    printf("unmasked, IF=0: still none: %u\n", ticks == before);
    wait_ticks(1);
    printf("after sti: taken: %u\n", ticks - before >= 1);
    outb(0x43, 0xe2); /* read-back: status of channel 0 */
    printf("pit channel 0 status (mode bits): 0x%02x\n", inb(0x40) & 0x3f);
}

static void shadow_tests(void)
{
    wait_irr0();
    sample_marker = 1;
    sti_shadow();
    printf("sti shadow: the pending interrupt came after %u instruction(s)\n", marker_seen);
    wait_irr0();
    sample_marker = 1;
    u32 before = ticks;
    sti_hlt();
    printf("sti; hlt with an interrupt pending: woke: %u, saved eip after hlt: %u\n", ticks - before >= 1,
           timer_eip == (u32)sti_hlt_after);
    before = ticks;
    wait_ticks(10);
    /* at least: a host that falls behind may deliver a late tick right after the IRET, before the CLI */
    printf("hlt loop: reached 10 ticks: %u\n", ticks - before >= 10);
    u64 t0 = rdtsc();
    wait_ticks(1);
    u64 t1 = rdtsc();
    printf("rdtsc increases across a tick: %u\n", t1 > t0);
}

/* ---- 16550 UART interrupts ---- */

static const char *tx_text = "sent by THRE interrupts\n";
static volatile u32 tx_next, tx_interrupts, tx_done;
static volatile u32 rx_interrupts, rx_count, rx_other;
static char rx_data[64];
static volatile u32 uart_priority_mode;

static void uart(struct frame *f)
{
    (void)f;
    u8 iir = inb(COM1 + 2) & 0x0f;
    if (uart_priority_mode) {
        if (order_count < 8)
            order[order_count++] = 4;
        outb(COM1 + 1, 0x00);
    } else if (iir == 0x02) { /* THR empty */
        tx_interrupts++;
        if (tx_text[tx_next]) {
            outb(COM1, (u8)tx_text[tx_next++]);
        } else {
            outb(COM1 + 1, 0x00);
            tx_done = 1;
        }
    } else if (iir == 0x04) { /* received data: take one byte per interrupt */
        rx_interrupts++;
        u8 byte = inb(COM1);
        if (rx_count < sizeof rx_data - 1)
            rx_data[rx_count++] = (char)byte;
    } else {
        rx_other++;
    }
    pic_eoi(4);
}

static void priority_test(void)
{
    order_count = 0;
    uart_priority_mode = 1;
    pic_set_mask(0xffee);      /* IRQ 0 and IRQ 4 */
    wait_irr0();
    outb(COM1 + 1, 0x02);      /* THRE interrupt: the THR is empty, so IRQ 4 rises at once */
    for (u32 i = 0; i < 1000000 && !(pic_read_irr(0) & 0x10); i++)
        ;
    printf("irr with both pending: 0x%02x\n", pic_read_irr(0) & 0x11);
    sti();
    for (u32 i = 0; i < 1000000 && order_count < 2; i++)
        ;
    cli();
    printf("priority order:");
    for (u32 i = 0; i < order_count && i < 2; i++)
        printf(" irq%u", order[i]);
    puts("\n");
    uart_priority_mode = 0;
    order_count = 8;
}

static void uart_tests(void)
{
    outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2: OUT2 gates the UART's IRQ onto the bus on a PC */
    priority_test();
    pic_set_mask(0xffee);
    while (!(inb(COM1 + 5) & 0x40))
        ;
    outb(COM1 + 1, 0x02);
    while (!tx_done)
        __asm__ volatile("sti; hlt; cli");
    while (!(inb(COM1 + 5) & 0x40))
        ;
    printf("uart thre: %u interrupts for %u bytes\n", tx_interrupts, tx_next);

    outb(COM1 + 1, 0x01); /* received-data interrupt */
    u32 deadline = ticks + 500;
    while (ticks < deadline && !(rx_count > 0 && rx_data[rx_count - 1] == '\n'))
        __asm__ volatile("sti; hlt; cli");
    outb(COM1 + 1, 0x00);
    rx_data[rx_count] = 0;
    if (rx_count > 0 && rx_data[rx_count - 1] == '\n') {
        rx_data[rx_count - 1] = 0;
        printf("uart rx: %u interrupts, %u bytes: \"%s\"\n", rx_interrupts, rx_count, rx_data);
    } else {
        printf("uart rx: timeout after %u bytes\n", rx_count);
    }
    printf("uart other interrupt causes: %u\n", rx_other);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("interrupts: begin\n");
    set_handler(IRQ_BASE + 0, timer);
    set_handler(IRQ_BASE + 4, uart);
    pit_start();
    pic_tests();
    shadow_tests();
    uart_tests();
    cli();
    pic_set_mask(0xffff);
    puts("interrupts: end\n");
}
