/* LOTRx86's kernel side: the PrivUser area of a process (built at spawn from its ELF's .privuser.*
 * sections, wiped at exit), its LDT (loaded with LLDT on every context switch, with TSS SS2:ESP2), and
 * what happens when the CPU traps from CPL 2. docs/lotrx86.md has the design; include/kernel/lotr.h
 * the address map. Page tables, the GDT and the TSS are changed only through the paging, gdt and tss
 * functions, LDT entries only through lotr/ldt.c. */
#include <kernel/lotr.h>
#include <kernel/sched.h>
#include <kernel/paging.h>
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/irq.h>
#include <kernel/heap.h>
#include <kernel/cpu.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <kernel/nk.h>
#include <uapi/errno.h>
#include <uapi/layout.h>
#include <uapi/syscall.h>
#include <uapi/wait.h>
#include "lotr_internal.h"

#define LDT_CODE 0
#define LDT_DATA 1
#define LDT_GATE 2
#define CR0_WP (1u << 16)
#define EFLAGS_TF 0x100u
#define PD_SPAN 0x200000u /* one page table covers 2 MiB (PAE) */

extern const char lotr_stub_start[], lotr_stub_end[];
extern const char lotr_copy_in[], lotr_copy_in_fault[], lotr_copy_out[], lotr_copy_out_fault[];

struct lotr_proc {
    struct seg_descriptor *ldt; /* in the nested kernel's LDT region (lotr/ldt.c), set on first use */
    bool active;
};

static struct lotr_proc lotr_procs[MAX_PROCS];
struct lotr_wipe_record lotr_last_wipe;
unsigned lotr_refused_syscalls, lotr_ring2_kills, lotr_ring2_preemptions;
static unsigned switches;

/* The LOTRx86 state of process slot p. */
static struct lotr_proc *state_of(const struct proc *p)
{
    ptrdiff_t i = p - proc_table();
    KASSERT(i >= 0 && i < MAX_PROCS, "lotr: not a process slot");
    if (!lotr_procs[i].ldt)
        lotr_procs[i].ldt = lotr_ldt_storage((unsigned)i);
    return &lotr_procs[i];
}

int lotr_active(const struct proc *p) { return state_of(p)->active; }
const void *lotr_ldt_of(const struct proc *p) { return state_of(p)->ldt; }

/* The PTE of window page va when it is present and supervisor-only, else NULL. */
static uint64_t *window_pte(struct aspace *as, uint32_t va)
{
    uint64_t *pte = aspace_pte(as, va, false);
    if (!pte || !(*pte & PTE_P) || (*pte & PTE_U))
        return NULL;
    return pte;
}

/* Reads n bytes at window address va of as through the direct map: 0, or -ENOEXEC if a page is missing. */
static int window_read(struct aspace *as, uint32_t va, void *dst, uint32_t n)
{
    uint8_t *d = dst;
    while (n > 0) {
        uint64_t *pte = window_pte(as, va & ~(PAGE_SIZE - 1));
        if (!pte)
            return -ENOEXEC;
        uint32_t off = va & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off < n ? PAGE_SIZE - off : n;
        memcpy(d, (uint8_t *)phys_to_virt((uint32_t)(*pte & PTE_ADDR_MASK)) + off, chunk);
        d += chunk;
        va += chunk;
        n -= chunk;
    }
    return 0;
}

/* True when [start, end) is a page-aligned range inside the ELF part of the window. */
static bool elf_range_ok(uint32_t start, uint32_t end, bool aligned)
{
    if (aligned && ((start | end) & (PAGE_SIZE - 1)))
        return false;
    return start >= PRIVUSER_ELF_BASE && start <= end && end <= PRIVUSER_ELF_END;
}

/* Checks one export's argument kinds: a length index names another, plain-value argument. */
static bool kinds_ok(const struct privcall_export *e)
{
    for (unsigned i = 0; i < 3; i++) {
        unsigned k = e->kind[i];
        if (k > (PRIV_INOUT | PRIV_LEN_FROM_ARG))
            return false;
        if ((k & 3) == PRIV_VAL) {
            if (k != PRIV_VAL || e->len[i] != 0)
                return false;
        } else if (k & PRIV_LEN_FROM_ARG) {
            unsigned j = e->len[i];
            if (j > 2 || j == i || e->kind[j] != PRIV_VAL)
                return false;
        } else if (e->len[i] > PRIVCALL_COPY_MAX) {
            return false;
        }
    }
    return true;
}

/* Builds the dispatch table from the program's exports; -ENOEXEC for anything malformed. */
static int build_table(struct aspace *as, const struct privuser_header *h, struct privcall_table *t)
{
    memset(t, 0, sizeof *t);
    uint32_t bytes = h->exports_end - h->exports_start;
    if (bytes % sizeof(struct privcall_export) || bytes / sizeof(struct privcall_export) > PRIVCALL_MAX)
        return -ENOEXEC;
    for (uint32_t va = h->exports_start; va < h->exports_end; va += sizeof(struct privcall_export)) {
        struct privcall_export e;
        if (window_read(as, va, &e, sizeof e) < 0 || e.id >= PRIVCALL_MAX || t->slot[e.id].fn)
            return -ENOEXEC;
        if (e.fn < h->text_start || e.fn >= h->text_end || !kinds_ok(&e))
            return -ENOEXEC;
        uint64_t *pte = window_pte(as, e.fn & ~(PAGE_SIZE - 1));
        if (!pte || (cpu.nx && (*pte & PTE_NX)))
            return -ENOEXEC; /* the function must sit in a supervisor, executable page */
        struct privcall_slot *s = &t->slot[e.id];
        s->fn = e.fn;
        memcpy(s->kind, e.kind, sizeof s->kind);
        memcpy(s->len, e.len, sizeof s->len);
        if (e.id + 1 > t->count)
            t->count = e.id + 1;
    }
    return 0;
}

/* Maps fresh supervisor pages over [va, va + size) with rights; 0 or -errno. */
static int map_window(struct aspace *as, uint32_t va, uint32_t size, unsigned rights)
{
    for (uint32_t a = va; a < va + size; a += PAGE_SIZE) {
        int r = aspace_map_new_supervisor(as, a, rights);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Fills the LDT: PrivUser code (DPL 2, up to the end of the secret text), PrivUser data and stack
 * (DPL 2, up to the end of the window), the privcall gate (DPL 3, no parameters copied, to the stub). */
static void fill_ldt(struct lotr_proc *lp, uint32_t text_end)
{
    lotr_ldt_clear(lp->ldt);
    lotr_ldt_set_segment(lp->ldt, LDT_CODE, SEG_CODE, 0, text_end - 1, 2);
    lotr_ldt_set_segment(lp->ldt, LDT_DATA, SEG_DATA, 0, PRIVUSER_END - 1, 2);
    lotr_ldt_set_call_gate(lp->ldt, LDT_GATE, PRIV_CS, PRIVUSER_STUB_VA, PRIVCALL_GATE_PARAMS, 3);
}

int lotr_spawn(struct proc *p)
{
    struct lotr_proc *lp = state_of(p);
    lotr_ldt_clear(lp->ldt);
    lp->active = false;
    struct privuser_header h;
    if (!window_pte(p->as, PRIVUSER_ELF_BASE))
        return 0; /* the program asked for no PrivUser area */
    if (window_read(p->as, PRIVUSER_ELF_BASE, &h, sizeof h) < 0 || h.magic != PRIVUSER_MAGIC)
        return -ENOEXEC;
    if (!elf_range_ok(h.text_start, h.text_end, true) || h.text_end == h.text_start ||
        !elf_range_ok(h.exports_start, h.exports_end, false))
        return -ENOEXEC;
    KASSERT(read_cr0() & CR0_WP, "lotr_spawn: CR0.WP is off, ring 2 could write read-only pages");
    KASSERT(!(read_eflags() & 0x3000u), "lotr_spawn: IOPL is not 0");
    struct privcall_table *t = kmalloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    int r = build_table(p->as, &h, t);
    uint32_t stub_size = (uint32_t)(lotr_stub_end - lotr_stub_start);
    KASSERT(stub_size <= PAGE_SIZE, "lotr_spawn: the stub is larger than a page");
    if (r >= 0)
        r = map_window(p->as, PRIVUSER_STUB_VA, PAGE_SIZE, MAP_EXEC);
    if (r >= 0)
        r = aspace_write(p->as, PRIVUSER_STUB_VA, lotr_stub_start, stub_size);
    if (r >= 0)
        r = map_window(p->as, PRIVUSER_TABLE_VA, PAGE_SIZE, 0);
    if (r >= 0)
        r = aspace_write(p->as, PRIVUSER_TABLE_VA, t, sizeof *t);
    if (r >= 0)
        r = map_window(p->as, PRIVUSER_STACK_LOW, PRIVUSER_STACK_TOP - PRIVUSER_STACK_LOW, MAP_WRITE);
    if (r >= 0)
        r = map_window(p->as, PRIVUSER_HEAP_VA, PRIVUSER_HEAP_SIZE, MAP_WRITE);
    if (r >= 0)
        r = map_window(p->as, PRIVUSER_AUDIT_VA, PAGE_SIZE, MAP_WRITE);
    kfree(t);
    if (r < 0)
        return r;
    fill_ldt(lp, h.text_end);
    lp->active = true;
    return 0;
}

void lotr_audit_drain(struct proc *p)
{
    if (!state_of(p)->active || !p->as)
        return;
    uint64_t *pte = aspace_pte(p->as, PRIVUSER_AUDIT_VA, false);
    if (!pte || !(*pte & PTE_P))
        return;
    uint32_t *counts = phys_to_virt((uint32_t)(*pte & PTE_ADDR_MASK));
    for (uint32_t id = 0; id < PRIVCALL_MAX; id++) {
        uint32_t n = counts[id];
        counts[id] = 0;
        while (n-- > 0)
            nk_audit(NK_AUDIT_PRIVCALL, (uint32_t)p->pid, id);
    }
}

void lotr_exit(struct proc *p)
{
    struct lotr_proc *lp = state_of(p);
    if (!lp->active)
        return;
    lotr_audit_drain(p);
    lp->active = false;
    lotr_ldt_clear(lp->ldt);
    struct lotr_wipe_record rec = { p->pid, 0, { 0 } };
    if (p->as && p->as != &kernel_aspace) {
        for (uint32_t va = PRIVUSER_BASE; va < PRIVUSER_END;) {
            uint64_t *pte = aspace_pte(p->as, va, false);
            if (!pte) {
                va = ALIGN_DOWN(va, PD_SPAN) + PD_SPAN; /* no page table: skip its 2 MiB */
                continue;
            }
            if (*pte & PTE_P) {
                uint32_t phys = (uint32_t)(*pte & PTE_ADDR_MASK);
                memset(phys_to_virt(phys), 0, PAGE_SIZE);
                if (rec.pages < LOTR_WIPE_LOG)
                    rec.frames[rec.pages] = phys;
                rec.pages++;
            }
            va += PAGE_SIZE;
        }
    }
    lotr_last_wipe = rec;
}

void lotr_switch_to(struct proc *next)
{
    struct lotr_proc *lp = state_of(next);
    switches++;
    if (lp->active) {
        gdt_load_ldt(lp->ldt, LOTR_LDT_ENTRIES);
        tss_set_ring2_stack(PRIV_DS, PRIVUSER_STACK_TOP);
    } else {
        gdt_load_ldt(NULL, 0);
        tss_set_ring2_stack(0, 0); /* a null SS2: no entry to ring 2 can succeed */
    }
}

/* A CPU exception at CPL 2: the process dies. The report names the vector only: the registers, the
 * faulting address and the error code may all depend on PrivUser secrets, and ring 3 sees none of it. */
static __attribute__((noreturn)) void ring2_fault(const struct trap_frame *f)
{
    struct proc *p = sched_current();
    lotr_ring2_kills++;
    kprintf("killed pid %d (%s): fault in PrivUser (ring 2): vector %u (%s); registers, address and error code withheld\n",
            p->pid, p->name, f->vector, trap_name(f->vector));
    sti();
    proc_exit(W_KILLED(f->vector));
}

/* The stub's address of `label` (kernel .rodata) as the process sees it, in its copy at PRIVUSER_STUB_VA. */
static uint32_t stub_va(const char *label)
{
    return PRIVUSER_STUB_VA + (uint32_t)(label - lotr_stub_start);
}

/* A #PF on the stub's copy of a privcall buffer to or from unmapped ring-3 memory (the range was checked
 * already): resume at the stub's fixup, which answers -EFAULT. True when the fault was one of those. */
static bool copy_fault_fixup(struct trap_frame *f)
{
    if (f->vector != 14 || read_cr2() >= USER_TOP)
        return false;
    if (f->eip == stub_va(lotr_copy_in))
        f->eip = stub_va(lotr_copy_in_fault);
    else if (f->eip == stub_va(lotr_copy_out))
        f->eip = stub_va(lotr_copy_out_fault);
    else
        return false;
    return true;
}

void lotr_trap(struct trap_frame *f)
{
    uint32_t v = f->vector;
    struct proc *p = sched_current();
    if (!lotr_active(p))
        panic("lotr_trap: a trap from CPL 2 in a process without PrivUser");
    if (v == 1 && (f->eflags & EFLAGS_TF)) {
        f->eflags &= ~EFLAGS_TF; /* ring 3 entered with TF set: no single-stepping through secret code */
        return;
    }
    if (copy_fault_fixup(f)) {
        /* resumes in the stub, which returns -EFAULT to ring 3 */
    } else if (v < 32) {
        ring2_fault(f);
    } else if (v >= IRQ_BASE_VECTOR && v < IRQ_BASE_VECTOR + IRQ_COUNT) {
        irq_dispatch(v - IRQ_BASE_VECTOR);
    } else if (v == SYSCALL_VECTOR) {
        lotr_refused_syscalls++;
        kprintf("lotr: pid %d (%s): system call %u from ring 2 refused\n", p->pid, p->name, f->eax);
        f->eax = (uint32_t)-EPERM;
    } else {
        ring2_fault(f); /* INT n through a DPL-0 gate is a #GP, so this does not happen */
    }
    unsigned before = switches;
    sched_return_to_user(f); /* preemption at CPL 2: the frame is resumed when this process runs again */
    if (switches != before)
        lotr_ring2_preemptions++;
}
