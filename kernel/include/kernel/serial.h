/* The COM1 16550 UART (drivers/serial.c): polled until serial_enable_irq, then interrupt-driven. */
#ifndef KERNELIST_SERIAL_H
#define KERNELIST_SERIAL_H

#include <stddef.h>

/* Programs 115200 8N1 with FIFOs; output is polled until serial_enable_irq. */
void serial_init(void);
/* Unmasks IRQ 4: received bytes go to console_input, output drains from a ring buffer. */
void serial_enable_irq(void);
/* Queues (or, when polled, sends) one byte. */
void serial_putc(char c);
/* Sends everything queued, by polling; used before exiting the machine and on panic. */
void serial_flush(void);
/* Switches back to polled output for good (panic). */
void serial_panic_mode(void);

#endif
