/* The round-robin scheduler. Each process has its own kernel stack; context_switch saves the
 * callee-saved registers there. On every switch the TSS's ESP0 and CR3 follow the new process. */
#include <kernel/sched.h>
#include <kernel/tss.h>
#include <kernel/pit.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <kernel/lotr.h>
#include <uapi/errno.h>

void context_switch(uint32_t *save_esp, uint32_t new_esp);
void proc_reap_orphans(void);

#define QUANTUM_TICKS 2

static struct proc procs[MAX_PROCS];
static struct proc *current;
static volatile bool need_resched;
static uint32_t quantum_left = QUANTUM_TICKS;

struct proc *proc_table(void) { return procs; }
struct proc *sched_current(void) { return current; }

void sched_init(uint32_t boot_stack_top)
{
    memset(procs, 0, sizeof procs);
    struct proc *p = &procs[0];
    p->pid = 0;
    p->state = PROC_RUNNABLE;
    strncpy_safe(p->name, "kernel", sizeof p->name);
    p->as = &kernel_aspace;
    p->kstack_slot = -1;
    p->kstack_top = boot_stack_top;
    current = p;
    tss_init(boot_stack_top);
}

/* The next runnable process after current in table order, or NULL. */
static struct proc *pick_next(void)
{
    unsigned start = (unsigned)(current - procs);
    for (unsigned n = 1; n <= MAX_PROCS; n++) {
        struct proc *p = &procs[(start + n) % MAX_PROCS];
        if (p->state == PROC_RUNNABLE)
            return p;
    }
    return NULL;
}

void schedule(void)
{
    KASSERT(!(read_eflags() & EFLAGS_IF), "schedule: interrupts are on");
    struct proc *next;
    while (!(next = pick_next())) {
        sti(); /* idle on this stack until an interrupt makes someone runnable */
        hlt();
        cli();
    }
    need_resched = false;
    quantum_left = QUANTUM_TICKS;
    if (next == current)
        return;
    struct proc *prev = current;
    current = next;
    tss_set_kernel_stack(next->kstack_top);
    lotr_switch_to(next); /* LOTRx86: its LDT (LLDT) and ring-2 stack (TSS SS2:ESP2) */
    tss_set_cr3(next->as->pdpt_phys);
    aspace_switch(next->as);
    context_switch(&prev->saved_esp, next->saved_esp);
    proc_reap_orphans(); /* now on another stack: exited orphans can be freed */
}

void sched_yield(void)
{
    uint32_t f = irq_save();
    schedule();
    irq_restore(f);
}

void sched_sleep_on(const void *chan)
{
    current->wait_chan = chan;
    current->state = PROC_BLOCKED;
    schedule();
    current->wait_chan = NULL;
}

void sched_wakeup(const void *chan)
{
    uint32_t f = irq_save();
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (procs[i].state == PROC_BLOCKED && procs[i].wait_chan == chan)
            procs[i].state = PROC_RUNNABLE;
    irq_restore(f);
}

int sched_sleep_ms(uint32_t ms)
{
    uint32_t f = irq_save();
    uint32_t ticks = ms / MS_PER_TICK + (ms % MS_PER_TICK != 0); /* rounded up, without overflow */
    if (ticks > 0x7FFFFFFFu)
        ticks = 0x7FFFFFFFu; /* the tick comparison below is modulo 2^32 */
    current->wake_tick = pit_ticks() + ticks;
    while (!current->killed && (int32_t)(current->wake_tick - pit_ticks()) > 0) {
        current->state = PROC_SLEEPING;
        schedule();
    }
    int r = current->killed ? -EINTR : 0;
    irq_restore(f);
    return r;
}

void sched_tick(void)
{
    uint32_t now = pit_ticks();
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (procs[i].state == PROC_SLEEPING && (int32_t)(procs[i].wake_tick - now) <= 0)
            procs[i].state = PROC_RUNNABLE;
    if (quantum_left > 0)
        quantum_left--;
    if (quantum_left == 0)
        need_resched = true;
}

bool sched_current_killed(void) { return current->killed; }

void sched_return_to_user(struct trap_frame *f)
{
    (void)f;
    if (current->killed)
        proc_exit(current->exit_status);
    if (need_resched) {
        sched_yield();
        if (current->killed)
            proc_exit(current->exit_status);
    }
}

uint32_t sched_uptime_ms(void) { return pit_ticks() * MS_PER_TICK; }
