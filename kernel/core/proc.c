/* Process lifecycle: spawning user programs and kernel threads, exit, wait, kill, and the kill of a
 * program that faults (with its report line). */
#include <kernel/nk.h>
#include <kernel/sched.h>
#include <kernel/elf.h>
#include <kernel/file.h>
#include <kernel/kstack.h>
#include <kernel/gdt.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <kernel/lotr.h>
#include <uapi/errno.h>
#include <uapi/layout.h>
#include <uapi/wait.h>
#include <uapi/types.h>

#define USER_STACK_PAGES 16
#define USER_STACK_LOW (USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)
#define EFLAGS_RESERVED 0x2u

extern char kthread_entry[], user_entry[];

static int next_pid = 1;
static const int embryo_chan; /* the wait channel of slots being set up: nobody wakes them */

/* The callee-saved registers context_switch pops, then its return address. */
struct switch_frame {
    uint32_t edi, esi, ebx, ebp, eip;
};

/* Takes a free slot with a kernel stack, blocked on embryo_chan so the scheduler skips it. */
static struct proc *proc_alloc(const char *name, int *err)
{
    struct proc *table = proc_table();
    uint32_t f = irq_save();
    struct proc *p = NULL;
    for (unsigned i = 1; i < MAX_PROCS; i++) {
        if (table[i].state == PROC_UNUSED) {
            p = &table[i];
            memset(p, 0, sizeof *p);
            p->state = PROC_BLOCKED;
            p->wait_chan = &embryo_chan;
            p->pid = next_pid++;
            nk_proclist_set(i, p->pid); /* the process list is write-logged by the nested kernel */
            break;
        }
    }
    irq_restore(f);
    if (!p) {
        *err = -EAGAIN;
        return NULL;
    }
    p->kstack_slot = kstack_alloc(&p->kstack_top);
    if (p->kstack_slot < 0) {
        p->state = PROC_UNUSED;
        nk_proclist_set((unsigned)(p - table), 0);
        *err = -ENOMEM;
        return NULL;
    }
    p->as = &kernel_aspace;
    p->parent = sched_current();
    strncpy_safe(p->name, name, sizeof p->name);
    return p;
}

/* Gives back a slot that never ran or has exited and been waited for. */
static void proc_free(struct proc *p)
{
    lotr_exit(p); /* wipes PrivUser frames, if any are left */
    if (p->as && p->as != &kernel_aspace)
        aspace_destroy(p->as);
    if (p->kstack_slot >= 0)
        kstack_free(p->kstack_slot);
    p->kstack_slot = -1;
    p->state = PROC_UNUSED;
    nk_proclist_set((unsigned)(p - proc_table()), 0);
}

void proc_reap_orphans(void)
{
    struct proc *table = proc_table();
    for (unsigned i = 1; i < MAX_PROCS; i++)
        if (table[i].state == PROC_ZOMBIE && !table[i].parent && &table[i] != sched_current())
            proc_free(&table[i]);
}

/* Makes p runnable. */
static void proc_start(struct proc *p)
{
    uint32_t f = irq_save();
    p->wait_chan = NULL;
    p->state = PROC_RUNNABLE;
    irq_restore(f);
}

int proc_spawn_kernel(const char *name, int (*fn)(void *), void *arg)
{
    int err;
    struct proc *p = proc_alloc(name, &err);
    if (!p)
        return err;
    struct switch_frame *sf = (struct switch_frame *)(p->kstack_top - sizeof *sf);
    memset(sf, 0, sizeof *sf);
    sf->ebx = (uint32_t)fn;
    sf->esi = (uint32_t)arg;
    sf->eip = (uint32_t)kthread_entry;
    p->saved_esp = (uint32_t)sf;
    proc_start(p);
    return p->pid;
}

/* The last component of path, for the process name. */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *s = path; *s; s++)
        if (*s == '/' && s[1])
            b = s + 1;
    return b;
}

/* Maps the user stack and writes argc/argv there (uapi/layout.h); the initial ESP, or -errno. */
static int build_user_stack(struct aspace *as, int argc, char *const argv[], uint32_t *esp)
{
    for (uint32_t va = USER_STACK_LOW; va < USER_STACK_TOP; va += PAGE_SIZE) {
        int r = aspace_map_new(as, va, MAP_WRITE);
        if (r < 0)
            return r;
    }
    uint32_t sp = USER_STACK_TOP;
    uint32_t ptrs[argc + 1];
    for (int i = argc - 1; i >= 0; i--) {
        uint32_t len = (uint32_t)strlen(argv[i]) + 1;
        if (sp - USER_STACK_LOW < len + 4u * (argc + 3) + 64)
            return -E2BIG;
        sp -= len;
        aspace_write(as, sp, argv[i], len);
        ptrs[i] = sp;
    }
    ptrs[argc] = 0;
    sp &= ~15u;
    sp -= 4u * (argc + 1);
    aspace_write(as, sp, ptrs, 4u * (argc + 1));
    uint32_t argv_addr = sp, argc_word = (uint32_t)argc;
    sp -= 4;
    aspace_write(as, sp, &argv_addr, 4);
    sp -= 4;
    aspace_write(as, sp, &argc_word, 4);
    *esp = sp;
    return 0;
}

/* Puts a ring-3 trap frame and a first context at the top of p's kernel stack. */
static void setup_user_frames(struct proc *p, uint32_t entry, uint32_t esp)
{
    struct trap_frame *tf = (struct trap_frame *)(p->kstack_top - sizeof *tf);
    memset(tf, 0, sizeof *tf);
    tf->ds = tf->es = tf->fs = tf->gs = USER_DS;
    tf->cs = USER_CS;
    tf->user_ss = USER_DS;
    tf->eip = entry;
    tf->user_esp = esp;
    tf->eflags = EFLAGS_IF | EFLAGS_RESERVED;
    p->tf = tf;
    struct switch_frame *sf = (struct switch_frame *)((uint32_t)tf - sizeof *sf);
    memset(sf, 0, sizeof *sf);
    sf->eip = (uint32_t)user_entry;
    p->saved_esp = (uint32_t)sf;
}

int proc_spawn(const char *path, int argc, char *const argv[])
{
    if (argc < 0 || argc > KL_ARG_MAX / 4)
        return -E2BIG;
    int err;
    struct proc *p = proc_alloc(base_name(path), &err);
    if (!p)
        return err;
    p->user = true;
    p->as = aspace_create();
    if (!p->as) {
        p->as = &kernel_aspace;
        proc_free(p);
        return -ENOMEM;
    }
    struct elf_image img;
    uint32_t esp = 0;
    int r = elf_load(p->as, path, USER_STACK_LOW - PAGE_SIZE, &img);
    if (r >= 0)
        r = lotr_spawn(p); /* a fresh PrivUser area when the program has one */
    if (r >= 0)
        r = build_user_stack(p->as, argc, argv, &esp);
    if (r < 0) {
        proc_free(p);
        return r;
    }
    p->brk_base = p->brk = img.brk_base;
    p->stack_low = USER_STACK_LOW;
    setup_user_frames(p, img.entry, esp);
    struct proc *parent = sched_current();
    for (unsigned i = 0; i < MAX_FDS; i++)
        if (parent->fds[i])
            p->fds[i] = file_dup(parent->fds[i]);
    int pid = p->pid;
    proc_start(p);
    return pid;
}

void proc_exit(int status)
{
    struct proc *p = sched_current();
    if (p->pid == 0)
        panic("proc_exit: the kernel process exited");
    for (unsigned i = 0; i < MAX_FDS; i++) {
        if (p->fds[i]) {
            file_close(p->fds[i]);
            p->fds[i] = NULL;
        }
    }
    cli();
    lotr_exit(p); /* PrivUser frames are zeroed before they are freed */
    if (p->as != &kernel_aspace) {
        aspace_switch(&kernel_aspace);
        aspace_destroy(p->as);
        p->as = &kernel_aspace;
    }
    struct proc *table = proc_table();
    for (unsigned i = 1; i < MAX_PROCS; i++)
        if (table[i].state != PROC_UNUSED && table[i].parent == p)
            table[i].parent = NULL; /* orphans: the scheduler frees them when they are zombies */
    p->exit_status = status;
    p->state = PROC_ZOMBIE;
    if (p->parent)
        sched_wakeup(p->parent);
    schedule();
    panic("proc_exit: a zombie ran");
}

void proc_exit_current(int code)
{
    proc_exit(W_EXITED(code));
}

/* Waits (block) or checks (!block) for a child: its pid, 0 if none has exited yet (!block), or -errno. */
static int wait_common(int pid, int *status, bool block)
{
    struct proc *me = sched_current(), *table = proc_table();
    uint32_t f = irq_save();
    for (;;) {
        bool found = false;
        for (unsigned i = 1; i < MAX_PROCS; i++) {
            struct proc *c = &table[i];
            if (c->state == PROC_UNUSED || c->parent != me || (pid != -1 && c->pid != pid))
                continue;
            found = true;
            if (c->state == PROC_ZOMBIE) {
                int cpid = c->pid;
                if (status)
                    *status = c->exit_status;
                proc_free(c);
                irq_restore(f);
                return cpid;
            }
        }
        if (!found) {
            irq_restore(f);
            return -ECHILD;
        }
        if (!block) {
            irq_restore(f);
            return 0;
        }
        if (me->killed) {
            irq_restore(f);
            return -EINTR;
        }
        sched_sleep_on(me);
    }
}

int proc_wait(int pid, int *status) { return wait_common(pid, status, true); }
int proc_wait_nohang(int pid, int *status) { return wait_common(pid, status, false); }

int proc_kill(int pid)
{
    struct proc *table = proc_table();
    if (pid == 0)
        return -EPERM;
    uint32_t f = irq_save();
    for (unsigned i = 1; i < MAX_PROCS; i++) {
        struct proc *p = &table[i];
        if (p->pid != pid || p->state == PROC_UNUSED || p->state == PROC_ZOMBIE ||
            (p->state == PROC_BLOCKED && p->wait_chan == &embryo_chan))
            continue;
        if (!p->user) {
            irq_restore(f);
            return -EPERM;
        }
        if (p == sched_current())
            proc_exit(W_KILLED(KILL_BY_SIGNAL));
        if (!p->killed) {
            p->killed = true;
            p->exit_status = W_KILLED(KILL_BY_SIGNAL);
        }
        if (p->state == PROC_BLOCKED || p->state == PROC_SLEEPING)
            p->state = PROC_RUNNABLE;
        irq_restore(f);
        return 0;
    }
    irq_restore(f);
    return -ESRCH;
}

void proc_kill_by_fault(const struct trap_frame *f)
{
    struct proc *p = sched_current();
    uint32_t cr2 = f->vector == 14 ? read_cr2() : 0;
    kprintf("killed pid %d (%s): vector %u (%s) error 0x%x cr2 0x%x eip 0x%x\n", p->pid, p->name,
            f->vector, trap_name(f->vector), f->error, cr2, f->eip);
    sti();
    proc_exit(W_KILLED(f->vector));
}

int proc_count(void)
{
    int n = 0;
    struct proc *table = proc_table();
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (table[i].state != PROC_UNUSED && !(table[i].state == PROC_BLOCKED && table[i].wait_chan == &embryo_chan))
            n++;
    return n;
}

struct proc *proc_by_index(int index)
{
    struct proc *table = proc_table();
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        if (table[i].state == PROC_UNUSED || (table[i].state == PROC_BLOCKED && table[i].wait_chan == &embryo_chan))
            continue;
        if (index-- == 0)
            return &table[i];
    }
    return NULL;
}
