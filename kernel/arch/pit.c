/* The 8254 PIT, channel 0 in mode 2 (rate generator) at TIMER_HZ, driving the scheduler. */
#include <kernel/pit.h>
#include <kernel/irq.h>
#include <kernel/sched.h>
#include <kernel/x86.h>

#define PIT_INPUT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_MODE 0x43

static volatile uint32_t ticks;

/* IRQ 0: counts and lets the scheduler wake sleepers and ask for preemption. */
static void pit_irq(void)
{
    ticks++;
    sched_tick();
}

void pit_init(void)
{
    uint32_t divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;
    outb(PIT_MODE, 0x34); /* channel 0, low then high byte, mode 2, binary */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
    irq_register(0, pit_irq);
    irq_unmask(0);
}

uint32_t pit_ticks(void) { return ticks; }
