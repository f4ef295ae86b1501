/* The 8254 PIT channel 0 at TIMER_HZ on IRQ 0 (arch/pit.c). */
#ifndef KERNELIST_PIT_H
#define KERNELIST_PIT_H

#include <stdint.h>

#define TIMER_HZ 100
#define MS_PER_TICK (1000 / TIMER_HZ)

void pit_init(void);
/* Timer interrupts since pit_init. */
uint32_t pit_ticks(void);

#endif
