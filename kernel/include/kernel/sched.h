/* Processes and the preemptive round-robin scheduler (core/sched.c, core/proc.c).
 * The kernel is not preempted: the timer only switches processes that were interrupted in ring 3, or
 * that block. Interrupt handlers may call sched_wakeup. */
#ifndef KERNELIST_SCHED_H
#define KERNELIST_SCHED_H

#include <stdint.h>
#include <stdbool.h>
#include <kernel/paging.h>
#include <kernel/trap.h>

#define MAX_PROCS 64
#define MAX_FDS 16
#define PROC_NAME_MAX 32

enum proc_state { PROC_UNUSED = 0, PROC_RUNNABLE, PROC_SLEEPING, PROC_BLOCKED, PROC_ZOMBIE };

struct file;

struct proc {
    int pid;
    struct proc *parent;        /* NULL: an orphan, freed by the scheduler when it exits */
    enum proc_state state;
    char name[PROC_NAME_MAX];
    struct aspace *as;          /* &kernel_aspace for kernel threads */
    bool user;                  /* has a ring-3 part */
    int kstack_slot;            /* -1 for the boot stack */
    uint32_t kstack_top;
    uint32_t saved_esp;         /* while switched out */
    struct trap_frame *tf;      /* the ring-3 state, at the top of the kernel stack */
    uint32_t brk_base, brk;     /* the heap: [brk_base, brk) */
    uint32_t stack_low;         /* the lowest user stack page */
    struct file *fds[MAX_FDS];
    const void *wait_chan;
    uint32_t wake_tick;
    bool killed;                /* kill() was called: exit at the next return to ring 3 */
    int exit_status;            /* the wait status once a zombie */
};

/* Makes the boot context process 0 ("kernel"). */
void sched_init(uint32_t boot_stack_top);
struct proc *sched_current(void);
/* Switches to the next runnable process, idling with HLT while none is. Interrupts must be off. */
void schedule(void);
/* Gives up the CPU (interrupts may be on or off). */
void sched_yield(void);
/* Blocks on chan until sched_wakeup(chan). Interrupts must be off; they are off again on return. */
void sched_sleep_on(const void *chan);
/* Makes every process blocked on chan runnable (interrupt-safe). */
void sched_wakeup(const void *chan);
/* Sleeps ms milliseconds: 0, or -EINTR when killed meanwhile. */
int sched_sleep_ms(uint32_t ms);
/* Timer tick (IRQ 0): wakes sleepers and asks for preemption. */
void sched_tick(void);
/* True when the running process has been killed. */
bool sched_current_killed(void);
/* The last step of every trap from ring 3: exit if killed, switch if the quantum is over. */
void sched_return_to_user(struct trap_frame *f);
/* Milliseconds since boot. */
uint32_t sched_uptime_ms(void);

/* Process lifecycle (core/proc.c). */
/* Starts a kernel thread running fn(arg); its pid or -errno. */
int proc_spawn_kernel(const char *name, int (*fn)(void *), void *arg);
/* Loads path into a new process with argv (kernel copies), inheriting the caller's files. */
int proc_spawn(const char *path, int argc, char *const argv[]);
/* Ends the running process with wait status status. */
__attribute__((noreturn)) void proc_exit(int status);
/* exit() for kernel threads returning code (called from arch/context_switch.asm). */
__attribute__((noreturn)) void proc_exit_current(int code);
/* Waits for a child (pid, or -1 = any): its pid and *status, or -ECHILD / -EINTR. */
int proc_wait(int pid, int *status);
/* The same without blocking: 0 while the child still runs. */
int proc_wait_nohang(int pid, int *status);
/* Kills pid (its wait status becomes W_KILLED(KILL_BY_SIGNAL)): 0, -ESRCH or -EPERM. */
int proc_kill(int pid);
/* Kills the running process for a CPU exception, printing the report line. */
__attribute__((noreturn)) void proc_kill_by_fault(const struct trap_frame *f);
/* The index-th live process, or NULL. */
struct proc *proc_by_index(int index);
/* The number of live processes. */
int proc_count(void);
struct proc *proc_table(void);

#endif
