/* tasks: hardware task switches (Intel SDM Vol. 3A chapter 7) with 32-bit TSSes. JMP to a TSS and back, CALL
 * through task gates (GDT, LDT) and the IDT (INT n) with IRET back: NT, the back link and the busy bits of
 * Table 7-2; the state saved in the old TSS; CR0.TS; LDTR taken from the TSS. The checks made before the switch
 * (busy, limit, present, IRET to a task that is not busy), a #TS raised by a bad selector in the new task (taken
 * by a #TS task, in the context of the new task), and the classic double-fault task with its own stack. */
#include "guest.h"
#include "ring.h"

/* GDT slots 3..13 (lib/ring.h leaves 3..19 to programs) */
#define SEL_MAIN 0x18       /* the task running test_main (TR) */
#define SEL_JUMPER 0x20     /* entered by JMP, leaves by JMP */
#define SEL_CALLEE 0x28     /* entered by CALL or INT, leaves by IRET */
#define SEL_CALLEE_GATE 0x30 /* task gate to SEL_CALLEE */
#define SEL_BAD 0x38        /* a TSS whose DS selector is outside the GDT */
#define SEL_TS_TASK 0x40    /* the #TS task */
#define SEL_DF_TASK 0x48    /* the #DF task */
#define SEL_SHORT 0x50      /* a TSS descriptor with limit 0x66 */
#define SEL_ABSENT 0x58     /* a TSS descriptor with P=0 */
#define SEL_LDT_DESC 0x60   /* the LDT */
#define SEL_MAIN_GATE 0x68  /* task gate to SEL_MAIN (busy while main runs) */
#define SEL_LDT_GATE 0x04   /* LDT entry 0: task gate to SEL_CALLEE */
#define BAD_DS 0x1238       /* beyond the GDT limit (32 entries) */

/* TSSes, task stacks and the LDT at fixed addresses in the scratch area */
#define TASK_AREA 0x00900000u
#define TASK_STACKS 0x00910000u
#define TASK_LDT 0x00920000u
#define UNMAPPED_ESP 0x01001000u    /* above the 16 MiB identity map */

enum { T_MAIN, T_JUMPER, T_CALLEE, T_BAD, T_TS, T_DF, T_COUNT };

extern void task_jmp(u32 selector);
extern void task_call(u32 selector);
extern void task_int40(void);
extern void iret_nt(void *);
extern void df_trigger(u32 bad_esp);
extern const u8 task_jmp_resume[], task_call_resume[], callee_entry[], callee_after_iret[], jumper_entry[],
    bad_entry[], ts_entry[], df_entry[], df_push[], df_resume[];
extern volatile u32 jumper_eax, ts_error, df_error, df_saved_esp;

static struct tss32 *tss(int task) { return (struct tss32 *)(TASK_AREA + (u32)task * 0x100); }
static u16 str(void) { u16 v; __asm__ volatile("str %0" : "=r"(v)); return v; }
static u16 sldt(void) { u16 v; __asm__ volatile("sldt %0" : "=r"(v)); return v; }
static u32 nt(u32 eflags) { return (eflags >> 14) & 1; }
static u32 cr0_ts(void) { return (read_cr0() >> 3) & 1; }
static void clts(void) { __asm__ volatile("clts"); }

/* the type field of the descriptor a GDT selector names */
static u32 desc_type(u16 sel) { return (u32)(gdt[sel >> 3] >> 40) & 0xf; }
static const char *busy_str(u32 type) { return type & 2 ? "busy" : "available"; }
static const char *busy(u16 sel) { return busy_str(desc_type(sel)); }

/* "label" when an EIP is that label, else the raw value (a failure) */
static const char *eip_name(u32 eip)
{
    static char buf[16];
    const struct { const u8 *at; const char *name; } labels[] = {
        { task_jmp_resume, "task_jmp_resume" }, { task_call_resume, "task_call_resume" },
        { callee_entry, "callee_entry" }, { callee_after_iret, "callee_after_iret" }, { jumper_entry, "jumper_entry" },
        { bad_entry, "bad_entry" }, { df_push, "df_push" },
    };
    for (u32 k = 0; k < sizeof labels / sizeof labels[0]; k++)
        if (eip == (u32)labels[k].at)
            return labels[k].name;
    static const char hex[] = "0123456789abcdef";
    buf[0] = '0'; buf[1] = 'x';
    for (int k = 0; k < 8; k++)
        buf[2 + k] = hex[(eip >> (28 - 4 * k)) & 0xf];
    buf[10] = 0;
    return buf;
}

/* A fresh 32-bit TSS for `task`: ring 0, flat segments, its own stack, CR3 of the identity map, IF=0. */
static void task_init(int task, const u8 *entry, u32 eax)
{
    struct tss32 *t = tss(task);
    memset(t, 0, TSS_SIZE);
    t->eip = (u32)entry;
    t->eflags = 0x2;
    t->eax = eax;
    t->esp = TASK_STACKS + ((u32)task + 1) * 0x1000;
    t->cs = KERNEL_CS;
    t->ss = t->ds = t->es = t->fs = t->gs = KERNEL_DS;
    t->cr3 = (u32)PAGE_DIRECTORY;
    t->iomap = TSS_SIZE;
}

/* An available TSS descriptor for `task` in GDT slot sel>>3 (0x89: present, DPL 0, 32-bit TSS). */
static void tss_descriptor(u16 sel, int task, u32 limit, u8 access)
{
    gdt_set(sel >> 3, (u32)tss(task), limit, access, 0x0);
}

/* ---- the tasks' C bodies ---- */

static volatile u32 seen_tr, seen_flags, seen_link, seen_main_type, seen_self_type, callee_runs;

void callee_body(void)
{
    seen_tr = str();
    seen_flags = read_eflags();
    seen_link = tss(T_CALLEE)->link;
    seen_main_type = desc_type(SEL_MAIN);
    seen_self_type = desc_type(SEL_CALLEE);
    callee_runs++;
}

__attribute__((noreturn)) void jumper_body(void)
{
    for (;;) {
        seen_tr = str();
        seen_flags = read_eflags();
        seen_main_type = desc_type(SEL_MAIN);
        seen_self_type = desc_type(SEL_JUMPER);
        task_jmp(SEL_MAIN);
    }
}

static volatile u32 ts_link, ts_flags, ts_bad_eip, ts_bad_ds, ts_bad_type;

__attribute__((noreturn)) void ts_body(void)
{
    ts_link = tss(T_TS)->link;
    ts_flags = read_eflags();
    ts_bad_eip = tss(T_BAD)->eip;
    ts_bad_ds = tss(T_BAD)->ds & 0xffff;
    ts_bad_type = desc_type(SEL_BAD);
    task_jmp(SEL_MAIN); /* main is available: it left by JMP. The #TS task is re-initialised before each use. */
    for (;;)
        ;
}

static volatile u32 df_tr, df_flags, df_link, df_cr2, df_main_eip, df_main_esp, df_main_type;

void df_body(void)
{
    df_tr = str();
    df_flags = read_eflags();
    df_link = tss(T_DF)->link;
    df_cr2 = read_cr2();
    df_main_eip = tss(T_MAIN)->eip;
    df_main_esp = tss(T_MAIN)->esp;
    df_main_type = desc_type(SEL_MAIN);
    /* repair the interrupted task: back to df_trigger's caller on its own stack */
    tss(T_MAIN)->eip = (u32)df_resume;
    tss(T_MAIN)->esp = df_saved_esp;
}

/* ---- the tests ---- */

static void setup(void)
{
    for (int t = 0; t < T_COUNT; t++)
        task_init(t, 0, 0);
    task_init(T_JUMPER, jumper_entry, 0x12345678);
    task_init(T_CALLEE, callee_entry, 0);
    tss_descriptor(SEL_MAIN, T_MAIN, 0x67, 0x89);
    tss_descriptor(SEL_JUMPER, T_JUMPER, 0x67, 0x89);
    tss_descriptor(SEL_CALLEE, T_CALLEE, 0x67, 0x89);
    gdt[SEL_CALLEE_GATE >> 3] = gate_descriptor(SEL_CALLEE, 0, 0x5, 0, 0);
    tss_descriptor(SEL_SHORT, T_BAD, 0x66, 0x89);
    tss_descriptor(SEL_ABSENT, T_BAD, 0x67, 0x09);
    gdt[SEL_MAIN_GATE >> 3] = gate_descriptor(SEL_MAIN, 0, 0x5, 0, 0);
    __asm__ volatile("ltr %w0" ::"r"((u16)SEL_MAIN) : "memory");
    printf("ltr main -> tr=0x%04x main=%s\n", str(), busy(SEL_MAIN));
}

static void jmp_and_back(void)
{
    clts();
    task_jmp(SEL_JUMPER);
    printf("jmp to tss -> in task: tr=0x%04x nt=%u eax=0x%08x main=%s self=%s\n", seen_tr, nt(seen_flags), jumper_eax,
           busy_str(seen_main_type), busy_str(seen_self_type));
    printf("jmp back -> tr=0x%04x nt=%u main=%s jumper=%s jumper link=0x%04x\n", str(), nt(read_eflags()),
           busy(SEL_MAIN), busy(SEL_JUMPER), tss(T_JUMPER)->link);
    printf("saved eip -> main=%s jumper=%s\n", eip_name(tss(T_MAIN)->eip), eip_name(tss(T_JUMPER)->eip));
    printf("saved selectors of main -> cs=0x%04x ss=0x%04x ds=0x%04x\n", tss(T_MAIN)->cs & 0xffff,
           tss(T_MAIN)->ss & 0xffff, tss(T_MAIN)->ds & 0xffff);
    printf("cr0.ts after the switches -> %u\n", cr0_ts());
    clts();
    task_jmp(SEL_JUMPER);
    printf("jmp to tss again (resumes after its jmp) -> tr=0x%04x cr0.ts=%u\n", seen_tr, cr0_ts());
}

static void print_call(const char *how)
{
    printf("%s -> in task: tr=0x%04x nt=%u link=0x%04x main=%s self=%s\n", how, seen_tr, nt(seen_flags), seen_link,
           busy_str(seen_main_type), busy_str(seen_self_type));
    printf("%s, iret back -> tr=0x%04x nt=%u main=%s callee=%s callee saved nt=%u eip=%s\n", how, str(),
           nt(read_eflags()), busy(SEL_MAIN), busy(SEL_CALLEE), nt(tss(T_CALLEE)->eflags),
           eip_name(tss(T_CALLEE)->eip));
}

static void call_and_iret(void)
{
    task_call(SEL_CALLEE_GATE);
    print_call("call gdt task gate");
    task_call(SEL_CALLEE);
    print_call("call tss");
    printf("callee runs -> %u\n", callee_runs);
    idt_set_gate(0x40, 0, SEL_CALLEE, 0x85); /* present, DPL 0, task gate */
    task_int40();
    print_call("int 0x40 task gate");
    idt_set_gate(0x40, isr_stubs[0x40], KERNEL_CS, 0x8e);

    u64 *ldt = (u64 *)TASK_LDT;
    ldt[0] = gate_descriptor(SEL_CALLEE, 0, 0x5, 0, 0);
    gdt_set(SEL_LDT_DESC >> 3, TASK_LDT, 7, 0x82, 0x0);
    __asm__ volatile("lldt %w0" ::"r"((u16)SEL_LDT_DESC) : "memory");
    tss(T_MAIN)->ldt = 0; /* LDTR is not saved by a switch: the return loads the TSS field, not 0x60 */
    task_call(SEL_LDT_GATE);
    print_call("call ldt task gate");
    printf("ldtr after the return -> 0x%04x\n", sldt());
}

static void jmp_sel(void *sel) { task_jmp((u32)sel); }
static void call_sel(void *sel) { task_call((u32)sel); }

static void check(const char *description, void (*fn)(void *), u32 arg)
{
    int vector = try_call(fn, (void *)arg);
    printf("%s -> %s tr=0x%04x main=%s\n", description, fault_str(vector), str(), busy(SEL_MAIN));
}

static void faults_before_the_switch(void)
{
    check("jmp to the busy current tss", jmp_sel, SEL_MAIN);
    check("call to the busy current tss", call_sel, SEL_MAIN);
    check("call task gate to a busy tss", call_sel, SEL_MAIN_GATE);
    check("jmp to tss with limit 0x66", jmp_sel, SEL_SHORT);
    check("jmp to tss not present", jmp_sel, SEL_ABSENT);
    tss(T_MAIN)->link = SEL_JUMPER; /* available: not a task IRET may return to */
    check("iret with nt=1 to an available tss", iret_nt, 0);
    tss(T_MAIN)->link = 0;
}

static void fault_in_the_new_task(void)
{
    task_init(T_BAD, bad_entry, 0);
    tss(T_BAD)->ds = BAD_DS;
    task_init(T_TS, ts_entry, 0);
    tss_descriptor(SEL_BAD, T_BAD, 0x67, 0x89);
    tss_descriptor(SEL_TS_TASK, T_TS, 0x67, 0x89);
    idt_set_gate(10, 0, SEL_TS_TASK, 0x85);
    task_jmp(SEL_BAD);
    printf("jmp to tss with ds=0x%04x -> #TS(0x%04x) in task 0x%04x (#TS task nt=%u), bad task %s, saved eip=%s ds=0x%04x\n",
           BAD_DS, ts_error, ts_link, nt(ts_flags), busy_str(ts_bad_type), eip_name(ts_bad_eip), ts_bad_ds);
    printf("#TS task jmp back to main -> tr=0x%04x main=%s #TS task=%s\n", str(), busy(SEL_MAIN), busy(SEL_TS_TASK));
    idt_set_gate(10, isr_stubs[10], KERNEL_CS, 0x8e);
    tss_descriptor(SEL_BAD, T_BAD, 0x67, 0x89);
}

static void double_fault_task(void)
{
    u32 *pd = paging_identity_map();
    paging_enable(pd);
    task_init(T_DF, df_entry, 0);
    tss_descriptor(SEL_DF_TASK, T_DF, 0x67, 0x89);
    idt_set_gate(8, 0, SEL_DF_TASK, 0x85);
    clts();
    df_trigger(UNMAPPED_ESP);
    printf("push with esp=0x%08x (unmapped) -> #DF task: tr=0x%04x nt=%u link=0x%04x error=0x%x cr2 page=0x%08x main=%s\n",
           UNMAPPED_ESP, df_tr, nt(df_flags), df_link, df_error, df_cr2 & ~0xfffu, busy_str(df_main_type));
    printf("#DF task saw the main task -> eip=%s esp=0x%08x\n", eip_name(df_main_eip), df_main_esp);
    printf("iret from the #DF task -> tr=0x%04x main=%s df=%s cr0.ts=%u cr3=0x%08x\n", str(), busy(SEL_MAIN),
           busy(SEL_DF_TASK), cr0_ts(), read_cr3());
    idt_set_gate(8, isr_stubs[8], KERNEL_CS, 0x8e);
    paging_disable();
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    setup();
    jmp_and_back();
    call_and_iret();
    faults_before_the_switch();
    fault_in_the_new_task();
    double_fault_task();
    printf("done\n");
}
