/* Hardware interrupt lines 0-15 through the two 8259 PICs (arch/pic.c), remapped to vectors 32-47. */
#ifndef KERNELIST_IRQ_H
#define KERNELIST_IRQ_H

#include <stdint.h>
#include <stdbool.h>

#define IRQ_BASE_VECTOR 32
#define IRQ_COUNT 16

/* Remaps the PICs to vectors 32-47 and masks every line except the cascade. */
void pic_init(void);
void irq_unmask(unsigned irq);
void irq_mask(unsigned irq);
/* Acknowledges irq: to the slave (irq >= 8) and then the master. */
void pic_eoi(unsigned irq);
/* True when irq 7 or 15 was spurious (its ISR bit is clear); sends the master EOI a slave spurious needs. */
bool pic_spurious(unsigned irq);

typedef void (*irq_handler)(void);
/* Sets the handler of irq (one per line). */
void irq_register(unsigned irq, irq_handler handler);
/* Runs the handler of irq and acknowledges it (called by trap_dispatch). */
void irq_dispatch(unsigned irq);

#endif
