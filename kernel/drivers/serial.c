/* COM1, a 16550 UART: 115200 8N1, FIFOs on; interrupt-driven receive and transmit with a ring buffer. */
#include <kernel/serial.h>
#include <kernel/console.h>
#include <kernel/irq.h>
#include <kernel/x86.h>

#define COM1 0x3F8
#define REG_DATA 0
#define REG_IER  1
#define REG_IIR  2 /* read */
#define REG_FCR  2 /* write */
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5

#define IER_RX   0x01
#define IER_THRE 0x02
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define FIFO_DEPTH 16
#define SERIAL_IRQ 4

#define TX_SIZE 4096u /* a power of two */

static char tx_ring[TX_SIZE];
static volatile uint32_t tx_head, tx_tail; /* head: next free, tail: next to send */
static volatile uint8_t ier_shadow;
static bool irq_mode;

/* Waits for room in the transmitter and sends c (polled). */
static void send_polled(char c)
{
    for (int spin = 0; spin < 1000000 && !(inb(COM1 + REG_LSR) & LSR_THRE); spin++)
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_init(void)
{
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, 0x80);       /* DLAB: the divisor follows */
    outb(COM1 + REG_DATA, 1);         /* 115200 baud */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, 0x03);       /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + REG_FCR, 0xC7);       /* FIFOs on and cleared, receive trigger at 14 */
    outb(COM1 + REG_MCR, 0x0B);       /* DTR, RTS, OUT2 (routes the IRQ to the PIC) */
    ier_shadow = 0;
}

/* Moves bytes from the ring into the transmit FIFO while it has room; interrupts are off. */
static void tx_pump(void)
{
    if (!(inb(COM1 + REG_LSR) & LSR_THRE))
        return;
    for (int i = 0; i < FIFO_DEPTH && tx_tail != tx_head; i++) {
        outb(COM1 + REG_DATA, (uint8_t)tx_ring[tx_tail % TX_SIZE]);
        tx_tail++;
    }
}

/* Enables or disables the THRE interrupt to match whether the ring holds bytes. */
static void tx_update_ier(void)
{
    uint8_t want = (tx_tail != tx_head) ? (IER_RX | IER_THRE) : IER_RX;
    if (want != ier_shadow) {
        ier_shadow = want;
        outb(COM1 + REG_IER, want);
    }
}

/* IRQ 4: takes every received byte to the console and refills the transmitter. */
static void serial_irq(void)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        uint8_t iir = inb(COM1 + REG_IIR);
        while (inb(COM1 + REG_LSR) & LSR_DR)
            console_input((char)inb(COM1 + REG_DATA));
        tx_pump();
        tx_update_ier();
        if (iir & 1)
            break;
    }
}

void serial_enable_irq(void)
{
    uint32_t f = irq_save();
    irq_register(SERIAL_IRQ, serial_irq);
    irq_mode = true;
    ier_shadow = 0xFF;
    tx_update_ier();
    irq_unmask(SERIAL_IRQ);
    irq_restore(f);
}

void serial_putc(char c)
{
    if (!irq_mode) {
        send_polled(c);
        return;
    }
    uint32_t f = irq_save();
    if (tx_head - tx_tail >= TX_SIZE) { /* full: make room by sending the oldest bytes ourselves */
        while (tx_head - tx_tail >= TX_SIZE / 2) {
            send_polled(tx_ring[tx_tail % TX_SIZE]);
            tx_tail++;
        }
    }
    tx_ring[tx_head % TX_SIZE] = c;
    tx_head++;
    tx_pump();
    tx_update_ier();
    irq_restore(f);
}

void serial_flush(void)
{
    uint32_t f = irq_save();
    while (tx_tail != tx_head) {
        send_polled(tx_ring[tx_tail % TX_SIZE]);
        tx_tail++;
    }
    for (int spin = 0; spin < 1000000 && !(inb(COM1 + REG_LSR) & 0x40); spin++)
        ; /* until the shift register is empty too */
    if (irq_mode)
        tx_update_ier();
    irq_restore(f);
}

void serial_panic_mode(void)
{
    serial_flush();
    irq_mode = false;
}
