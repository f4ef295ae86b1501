/* Expected kernel-mode faults (include/kernel/probe.h): one armed probe at a time. */
#include <kernel/probe.h>
#include <kernel/x86.h>
#include <kernel/lib.h>

uint32_t probe_asm_read32(uint32_t addr);
void probe_asm_write32(uint32_t addr, uint32_t value);
void probe_asm_exec(uint32_t addr);
void probe_asm_seglimit(void);
extern char probe_read_insn[], probe_read_resume[], probe_write_insn[], probe_write_resume[];
extern char probe_exec_resume[], probe_seglimit_insn[], probe_seglimit_resume[];

static volatile struct {
    bool armed;
    uint32_t fault_eip, resume_eip;
    struct probe_result result;
} probe;

/* Arms the probe for one faulting instruction; interrupts stay off until disarm. */
static uint32_t arm(uint32_t fault_eip, uint32_t resume_eip)
{
    uint32_t f = irq_save();
    probe.fault_eip = fault_eip;
    probe.resume_eip = resume_eip;
    probe.result.vector = -1;
    probe.result.error = 0;
    probe.result.cr2 = 0;
    probe.result.frame_eflags = probe.result.handler_eflags = 0;
    probe.armed = true;
    return f;
}

/* Disarms the probe and returns what it saw. */
static struct probe_result disarm(uint32_t f)
{
    probe.armed = false;
    struct probe_result r = { probe.result.vector, probe.result.error, probe.result.cr2, probe.result.frame_eflags,
                              probe.result.handler_eflags };
    irq_restore(f);
    return r;
}

bool probe_fixup(struct trap_frame *fr)
{
    if (!probe.armed || fr->eip != probe.fault_eip || fr->vector >= 32)
        return false;
    probe.result.vector = (int)fr->vector;
    probe.result.error = fr->error;
    probe.result.cr2 = fr->vector == 14 ? read_cr2() : 0;
    probe.result.frame_eflags = fr->eflags;
    probe.result.handler_eflags = read_eflags();
    probe.armed = false;
    fr->eip = probe.resume_eip;
    return true;
}

struct probe_result probe_read32(uint32_t addr, uint32_t *value)
{
    uint32_t f = arm((uint32_t)probe_read_insn, (uint32_t)probe_read_resume);
    uint32_t v = probe_asm_read32(addr);
    struct probe_result r = disarm(f);
    if (value)
        *value = v;
    return r;
}

struct probe_result probe_write32(uint32_t addr, uint32_t value)
{
    uint32_t f = arm((uint32_t)probe_write_insn, (uint32_t)probe_write_resume);
    probe_asm_write32(addr, value);
    return disarm(f);
}

struct probe_result probe_exec(uint32_t addr)
{
    uint32_t f = arm(addr, (uint32_t)probe_exec_resume);
    probe_asm_exec(addr);
    return disarm(f);
}

struct probe_result probe_user_segment_limit(void)
{
    uint32_t f = arm((uint32_t)probe_seglimit_insn, (uint32_t)probe_seglimit_resume);
    probe_asm_seglimit();
    return disarm(f);
}
