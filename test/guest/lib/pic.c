/* The two cascaded 8259A PICs, remapped to vectors 0x20..0x2F (8259A datasheet: ICW1-ICW4, OCW1-OCW3). */
#include "guest.h"

void pic_init(void)
{
    outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, IRQ_BASE); /* ICW2: vector base */
    outb(0xa1, IRQ_BASE + 8);
    outb(0x21, 0x04); /* ICW3: slave on IR2 */
    outb(0xa1, 0x02); /* ICW3: slave identity 2 */
    outb(0x21, 0x01); /* ICW4: 8086 mode, normal EOI */
    outb(0xa1, 0x01);
    pic_set_mask(0xffff);
}

void pic_set_mask(u16 mask)
{
    outb(0x21, (u8)mask);
    outb(0xa1, (u8)(mask >> 8));
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

u8 pic_read_irr(int slave)
{
    u16 port = slave ? 0xa0 : 0x20;
    outb(port, 0x0a); /* OCW3: read IRR */
    return inb(port);
}

u8 pic_read_isr(int slave)
{
    u16 port = slave ? 0xa0 : 0x20;
    outb(port, 0x0b); /* OCW3: read ISR */
    u8 v = inb(port);
    outb(port, 0x0a);
    return v;
}
