/* The two 8259A PICs, remapped to vectors 32-47 (ICW1-ICW4), with per-line masks and EOI to both. */
#include <kernel/irq.h>
#include <kernel/x86.h>
#include <kernel/lib.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
#define CASCADE_IRQ 2

static uint16_t mask = 0xFFFF;
static irq_handler handlers[IRQ_COUNT];

/* Writes the mask registers of both PICs. */
static void write_masks(void)
{
    outb(PIC1_DATA, (uint8_t)mask);
    outb(PIC2_DATA, (uint8_t)(mask >> 8));
}

void pic_init(void)
{
    outb(PIC1_CMD, 0x11); io_wait(); /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11); io_wait();
    outb(PIC1_DATA, IRQ_BASE_VECTOR); io_wait();     /* ICW2: vector base */
    outb(PIC2_DATA, IRQ_BASE_VECTOR + 8); io_wait();
    outb(PIC1_DATA, 1 << CASCADE_IRQ); io_wait();     /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, CASCADE_IRQ); io_wait();
    outb(PIC1_DATA, 0x01); io_wait();                 /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01); io_wait();
    mask = (uint16_t)~(1u << CASCADE_IRQ); /* everything masked but the cascade */
    write_masks();
}

void irq_unmask(unsigned irq)
{
    KASSERT(irq < IRQ_COUNT, "irq_unmask: bad line");
    uint32_t f = irq_save();
    mask &= (uint16_t)~(1u << irq);
    write_masks();
    irq_restore(f);
}

void irq_mask(unsigned irq)
{
    KASSERT(irq < IRQ_COUNT, "irq_mask: bad line");
    uint32_t f = irq_save();
    mask |= (uint16_t)(1u << irq);
    write_masks();
    irq_restore(f);
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

bool pic_spurious(unsigned irq)
{
    if (irq != 7 && irq != 15)
        return false;
    uint16_t port = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(port, 0x0B); /* OCW3: read the in-service register */
    bool in_service = (inb(port) & 0x80) != 0;
    if (in_service)
        return false;
    if (irq == 15)
        outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade line */
    return true;
}

void irq_register(unsigned irq, irq_handler handler)
{
    KASSERT(irq < IRQ_COUNT, "irq_register: bad line");
    handlers[irq] = handler;
}

void irq_dispatch(unsigned irq)
{
    if (pic_spurious(irq))
        return;
    if (handlers[irq])
        handlers[irq]();
    pic_eoi(irq);
}
