/* rings: privilege-level transfers (Intel SDM Vol. 3A §5.8, §6.12): entering rings 2 and 3 by IRET, the data
 * segment registers IRET and RETF null, call gates in the GDT and the LDT (32- and 16-bit, 0, 3 and 31
 * parameters, same and more privilege, conforming targets, the instruction's offset ignored), every #GP #NP #TS
 * #SS of a call to an inner ring, JMP through a gate, direct far CALL/JMP, RETF/IRET to an inner ring, INT n
 * against the gate DPL (error code vector*8+2) while exceptions and hardware interrupts ignore it, and a PIT
 * interrupt taken in ring 2. The LOTRx86 "privcall" (ring 3 -> DPL-3 LDT gate -> ring 2, RETF 12) is first. */
#include "ring.h"

struct farptr {
    u32 offset;
    u16 selector;
} __attribute__((packed));

extern u32 probe[3], probe_words[36], caller_esp, after_esp, after_sregs[5];
extern u16 privcall_sregs[4];
extern u32 tick_count, tick_before[3], tick_after[3];
extern void t_retf0(void), t_retf12(void), t_retf124(void), t_retf16_4(void), t_plain_retf(void), t_near_ret(void),
    t_privcall(void), t_conf_cr0(void);
extern void x_call_far(void *), x_call_far3(void *), x_call_far31(void *), x_call_far16(void *), x_jmp_far(void *),
    x_whoami(void *), x_retf_inner(void *), x_iret_inner(void *), x_int30(void *), x_int31(void *), x_int32(void *),
    x_int33(void *), x_int3(void *), x_int3_cd(void *), x_into(void *), x_ud2(void *), x_div0(void *),
    x_wait_tick(void *), x_read_fs(void *);
extern const u8 x16_body[], x16_body_end[];
extern u32 into16[2];

#define GATE32 0xc
#define GATE16 0x4
#define IGNORED_OFFSET 0xdeadbeefu

/* GDT slots (selectors) */
#define G_GATE_R0 0x18       /* DPL 3 -> KERNEL_CS:t_retf0 */
#define G_GATE_DPL0 0x20     /* DPL 0 -> KERNEL_CS:t_retf0 */
#define G_GATE_ABSENT 0x28   /* DPL 3, P=0 */
#define G_GATE_DPL2 0x30     /* DPL 2 -> KERNEL_CS:t_retf0 */
#define G_GATE_NULL 0x38     /* DPL 3 -> selector 0 */
#define G_GATE_DATA 0x40     /* DPL 3 -> KERNEL_DS */
#define G_CODE_ABSENT 0x48   /* DPL 3 code, P=0 */
#define G_GATE_TO_ABSENT 0x50
#define G_GATE_BEYOND 0x58   /* DPL 3 -> selector 0x1000, beyond the GDT limit */
#define G_GATE_OUTER 0x60    /* DPL 1 -> ring-2 code (target less privileged than the caller) */
#define G_GATE_R2 0x68       /* DPL 3 -> ring-2 code:t_retf0, for the TSS stack cases */
#define G_SMALL_STACK 0x70   /* DPL 2 data, base 0xa20000, limit 0xfff */
#define G_RO_STACK 0x78      /* DPL 2 read-only data */
#define G_ABSENT_STACK 0x80  /* DPL 2 writable data, P=0 */
#define G_GATE16 0x88        /* 16-bit gate DPL 3 -> G_CODE16:(t_retf16_4 & 0xffff), 2 word parameters */
#define G_CODE16 0x90        /* DPL 2 32-bit code based at t_retf16_4 & 0xffff0000 */
#define G_CODE3_16 0x98      /* DPL 3 code based at x16_body & 0xffff0000, for the 16-bit gate's caller */
#define G_CONFORMING 0xe8    /* DPL 0 conforming readable code, flat */
/* LDT slots (selectors, TI=1, RPL 3 where called from ring 3) */
#define L_PRIVCALL 0x07      /* DPL 3 gate -> L_R2_CODE:t_privcall, 3 parameters */
#define L_R2_CODE 0x0e       /* DPL 2 code, RPL 2 */
#define L_R2_DATA 0x16       /* DPL 2 data, RPL 2 */
#define L_JMP_SAME 0x1f      /* DPL 3 gate -> ring-3 code:t_near_ret */
#define L_JMP_INNER 0x27     /* DPL 3 gate -> KERNEL_CS:t_near_ret */
#define L_JMP_CONFORMING 0x2f /* DPL 3 gate -> G_CONFORMING:t_near_ret */
#define L_GATE_PAST_LIMIT 0x37 /* DPL 3 gate -> L_CODE_1MIB:0x00800000 */
#define L_CODE_1MIB 0x3f     /* DPL 3 code, limit 0xfffff bytes */
#define L_GATE_SAME 0x47     /* DPL 3 gate -> ring-3 code:t_retf0, 3 parameters (ignored) */
#define L_GATE_CONFORMING 0x4f /* DPL 3 gate -> G_CONFORMING:t_retf0 */
#define L_GATE_31 0x57       /* DPL 3 gate -> ring-1 code:t_retf124, 31 parameters */
#define L_GATE_CONF_CR0 0x5f /* DPL 3 gate -> G_CONFORMING:t_conf_cr0 */

static struct farptr target;

static void setup(void)
{
    u32 off16 = (u32)t_retf16_4;
    gdt[G_GATE_R0 >> 3] = gate_descriptor(KERNEL_CS, (u32)t_retf0, GATE32, 3, 0);
    gdt[G_GATE_DPL0 >> 3] = gate_descriptor(KERNEL_CS, (u32)t_retf0, GATE32, 0, 0);
    gdt[G_GATE_ABSENT >> 3] = gate_descriptor(KERNEL_CS, (u32)t_retf0, GATE32, 3, 0) & ~(1ull << 47);
    gdt[G_GATE_DPL2 >> 3] = gate_descriptor(KERNEL_CS, (u32)t_retf0, GATE32, 2, 0);
    gdt[G_GATE_NULL >> 3] = gate_descriptor(0, (u32)t_retf0, GATE32, 3, 0);
    gdt[G_GATE_DATA >> 3] = gate_descriptor(KERNEL_DS, (u32)t_retf0, GATE32, 3, 0);
    gdt_set(G_CODE_ABSENT >> 3, 0, 0xfffff, 0x7a, 0xc);
    gdt[G_GATE_TO_ABSENT >> 3] = gate_descriptor(G_CODE_ABSENT, (u32)t_retf0, GATE32, 3, 0);
    gdt[G_GATE_BEYOND >> 3] = gate_descriptor(0x1000, (u32)t_retf0, GATE32, 3, 0);
    gdt[G_GATE_OUTER >> 3] = gate_descriptor(SEL_R2_CODE, (u32)t_retf0, GATE32, 1, 0);
    gdt[G_GATE_R2 >> 3] = gate_descriptor(SEL_R2_CODE, (u32)t_retf0, GATE32, 3, 0);
    gdt_set(G_SMALL_STACK >> 3, 0x00a20000, 0xfff, 0xd2, 0x4);
    gdt_set(G_RO_STACK >> 3, 0, 0xfffff, 0xd0, 0xc);
    gdt_set(G_ABSENT_STACK >> 3, 0, 0xfffff, 0x52, 0xc);
    gdt[G_GATE16 >> 3] = gate_descriptor(G_CODE16 | 2, off16 & 0xffff, GATE16, 3, 2);
    gdt_set(G_CODE16 >> 3, off16 & 0xffff0000u, 0xfffff, 0xda, 0xc);
    gdt_set(G_CONFORMING >> 3, 0, 0xfffff, 0x9e, 0xc);
    u32 body = (u32)x16_body;
    if ((body >> 16) != ((u32)x16_body_end >> 16)) {
        puts("rings: x16_body crosses a 64 KiB boundary\n");
        test_exit(EXIT_UNEXPECTED_FAULT);
    }
    gdt_set(G_CODE3_16 >> 3, body & 0xffff0000u, 0xfffff, 0xfa, 0xc);
    into16[0] = body & 0xffff;
    into16[1] = G_CODE3_16 | 3;

    ldt_install();
    u64 *ldt = ring_ldt();
    ldt[L_PRIVCALL >> 3] = gate_descriptor(L_R2_CODE, (u32)t_privcall, GATE32, 3, 3);
    ldt[L_R2_CODE >> 3] = gdt_descriptor(0, 0xfffff, 0xda, 0xc);
    ldt[L_R2_DATA >> 3] = gdt_descriptor(0, 0xfffff, 0xd2, 0xc);
    ldt[L_JMP_SAME >> 3] = gate_descriptor(SEL_R3_CODE, (u32)t_near_ret, GATE32, 3, 0);
    ldt[L_JMP_INNER >> 3] = gate_descriptor(KERNEL_CS, (u32)t_near_ret, GATE32, 3, 0);
    ldt[L_JMP_CONFORMING >> 3] = gate_descriptor(G_CONFORMING, (u32)t_near_ret, GATE32, 3, 0);
    ldt[L_GATE_PAST_LIMIT >> 3] = gate_descriptor(L_CODE_1MIB, SCRATCH_BASE, GATE32, 3, 0);
    ldt[L_CODE_1MIB >> 3] = gdt_descriptor(0, 0xfffff, 0xfa, 0x4);
    ldt[L_GATE_SAME >> 3] = gate_descriptor(SEL_R3_CODE, (u32)t_retf0, GATE32, 3, 3);
    ldt[L_GATE_CONFORMING >> 3] = gate_descriptor(G_CONFORMING, (u32)t_retf0, GATE32, 3, 0);
    ldt[L_GATE_31 >> 3] = gate_descriptor(SEL_R1_CODE, (u32)t_retf124, GATE32, 3, 31);
    ldt[L_GATE_CONF_CR0 >> 3] = gate_descriptor(G_CONFORMING, (u32)t_conf_cr0, GATE32, 3, 0);
    /* where QEMU jumps past the target's limit (qemu-deviations.md #7): a RETF, so that it comes back */
    *(u8 *)SCRATCH_BASE = 0xcb;
}

static void clear_probe(void)
{
    memset(probe, 0, sizeof(u32) * 3);
    memset(probe_words, 0, sizeof(u32) * 36);
    caller_esp = after_esp = 0;
    for (int i = 0; i < 5; i++)
        after_sregs[i] = 0xeeee; /* 16-bit stores fill the low half */
}

static int far_via(int ring, void (*caller)(void *), u16 selector, u32 offset)
{
    clear_probe();
    target.offset = offset;
    target.selector = selector;
    return ring_run(ring, caller, &target);
}

/* "<what> -> ok CS=.. SS=.. ESP=.." or the fault */
static void gate_line(const char *what, int vector)
{
    printf("%s -> ", what);
    if (vector >= 0)
        printf("%s\n", fault_str(vector));
    else
        printf("ok CS=0x%04x SS=0x%04x ESP=0x%08x\n", probe[0], probe[1], probe[2]);
}

static void privcall(void)
{
    puts("privcall: ring 3 -> DPL-3 call gate in the LDT (3 parameters) -> DPL-2 code in the LDT -> RETF 12\n");
    privcall_sregs[0] = L_R2_DATA;    /* DPL 2 data: nulled on the way out */
    privcall_sregs[1] = SEL_R3_DATA;  /* DPL 3 data: kept */
    privcall_sregs[2] = SEL_R2_CODE;  /* DPL 2 readable non-conforming code: nulled */
    privcall_sregs[3] = G_CONFORMING | 2; /* conforming code: kept */
    int v = far_via(3, x_call_far3, L_PRIVCALL, IGNORED_OFFSET);
    printf("privcall with instruction offset 0xdeadbeef -> %s\n", v < 0 ? "ok" : fault_str(v));
    printf("  callee CS=0x%04x SS=0x%04x ESP=0x%08x (TSS ESP2 0x%08x)\n", probe[0], probe[1], probe[2],
           ring_tss()->esp2);
    printf("  callee stack: return CS=0x%04x params 0x%08x 0x%08x 0x%08x caller ESP=0x%08x SS=0x%04x\n",
           probe_words[1], probe_words[2], probe_words[3], probe_words[4], probe_words[5], probe_words[6]);
    printf("  caller ESP before the call 0x%08x, after RETF 12 0x%08x, SS 0x%04x\n", caller_esp, after_esp,
           after_sregs[4]);
    printf("  after RETF 12: DS=0x%04x (DPL-2 data) ES=0x%04x (DPL-3 data) FS=0x%04x (DPL-2 code) GS=0x%04x "
           "(conforming code)\n", after_sregs[0], after_sregs[1], after_sregs[2], after_sregs[3]);
}

static void show_seen(const char *what, const struct ring_entry *e)
{
    ring_seen[0] = ring_seen[1] = ring_seen[2] = ring_seen[3] = 0xeeee;
    int v = ring_run_with(e, x_whoami, 0);
    printf("%s -> %s", what, v < 0 ? "ok" : fault_str(v));
    printf(" CS=0x%04x SS=0x%04x ESP=0x%08x DS=0x%04x ES=0x%04x FS=0x%04x GS=0x%04x\n", probe[0], probe[1],
           probe[2], ring_seen[0], ring_seen[1], ring_seen[2], ring_seen[3]);
}

static void iret_entry(void)
{
    struct ring_entry r3 = { 3, 0x2, SEL_R3_DATA, SEL_R3_DATA, SEL_R3_DATA, SEL_R3_DATA };
    show_seen("iret to CPL 3 (ring-3 DS ES FS GS)", &r3);
    struct ring_entry r3null = { 3, 0x2, KERNEL_DS, SEL_R2_DATA, SEL_R3_DATA, KERNEL_CS };
    show_seen("iret to CPL 3 with DS=DPL-0 data ES=DPL-2 data FS=DPL-3 data GS=DPL-0 code", &r3null);
    struct ring_entry r3conf = { 3, 0x2, G_CONFORMING, SEL_R3_DATA, SEL_R1_DATA, 0 };
    show_seen("iret to CPL 3 with DS=conforming code ES=DPL-3 data FS=DPL-1 data GS=null", &r3conf);
    struct ring_entry r2 = { 2, 0x2, KERNEL_DS, SEL_R2_DATA, SEL_R3_DATA, SEL_R1_DATA };
    show_seen("iret to CPL 2 with DS=DPL-0 data ES=DPL-2 data FS=DPL-3 data GS=DPL-1 data", &r2);
    struct ring_entry r1 = { 1, 0x2, KERNEL_DS, SEL_R1_DATA, SEL_R2_DATA, G_CONFORMING };
    show_seen("iret to CPL 1 with DS=DPL-0 data ES=DPL-1 data FS=DPL-2 data GS=conforming code", &r1);
    struct ring_entry r3fs = { 3, 0x2, SEL_R3_DATA, SEL_R3_DATA, KERNEL_DS, SEL_R3_DATA };
    print_outcome("read through FS nulled by iret to CPL 3", ring_run_with(&r3fs, x_read_fs, 0));
    print_outcome("retf from CPL 3 to CPL 0 (inner ring)", ring_run(3, x_retf_inner, 0));
    print_outcome("iret from CPL 3 to CPL 0 (inner ring)", ring_run(3, x_iret_inner, 0));
}

static void call_gates(void)
{
    int v;
    v = far_via(3, x_call_far, G_GATE_R0 | 3, IGNORED_OFFSET);
    gate_line("call gate (GDT, DPL 3) from CPL 3 to ring 0", v);
    printf("  frame on the ring-0 stack: CS=0x%04x ESP=0x%08x SS=0x%04x; caller ESP 0x%08x, after RETF 0x%08x\n",
           probe_words[1], probe_words[2], probe_words[3], caller_esp, after_esp);
    gate_line("call gate DPL 0 from CPL 3", far_via(3, x_call_far, G_GATE_DPL0 | 3, IGNORED_OFFSET));
    gate_line("call gate not present", far_via(3, x_call_far, G_GATE_ABSENT | 3, IGNORED_OFFSET));
    gate_line("call gate DPL 2 from CPL 2 with selector RPL 3", far_via(2, x_call_far, G_GATE_DPL2 | 3, IGNORED_OFFSET));
    gate_line("call gate DPL 2 from CPL 2 with selector RPL 2", far_via(2, x_call_far, G_GATE_DPL2 | 2, IGNORED_OFFSET));
    gate_line("call gate to a null selector", far_via(3, x_call_far, G_GATE_NULL | 3, IGNORED_OFFSET));
    gate_line("call gate to a data segment", far_via(3, x_call_far, G_GATE_DATA | 3, IGNORED_OFFSET));
    gate_line("call gate to a not-present code segment", far_via(3, x_call_far, G_GATE_TO_ABSENT | 3, IGNORED_OFFSET));
    gate_line("call gate to a selector beyond the GDT limit", far_via(3, x_call_far, G_GATE_BEYOND | 3, IGNORED_OFFSET));
    gate_line("call gate DPL 1 from CPL 1 to DPL-2 code (outer)", far_via(1, x_call_far, G_GATE_OUTER | 1, IGNORED_OFFSET));

    v = far_via(3, x_call_far, L_GATE_SAME, IGNORED_OFFSET);
    gate_line("call gate (LDT, 3 params) from CPL 3 to DPL-3 code (same ring)", v);
    printf("  no stack switch: caller ESP 0x%08x, callee ESP 0x%08x, frame CS=0x%04x\n", caller_esp, probe[2],
           probe_words[1]);
    v = far_via(3, x_call_far, L_GATE_CONFORMING, IGNORED_OFFSET);
    gate_line("call gate from CPL 3 to DPL-0 conforming code", v);
    printf("  CPL stays 3: caller ESP 0x%08x, callee ESP 0x%08x, frame CS=0x%04x; after RETF ESP 0x%08x SS 0x%04x\n",
           caller_esp, probe[2], probe_words[1], after_esp, after_sregs[4]);
    gate_line("mov eax, cr0 in DPL-0 conforming code called from CPL 3 through a gate",
              far_via(3, x_call_far, L_GATE_CONF_CR0, IGNORED_OFFSET));
    gate_line("call gate (same ring) with its offset past the target limit", far_via(3, x_call_far, L_GATE_PAST_LIMIT, 0));

    v = far_via(3, x_call_far31, L_GATE_31, IGNORED_OFFSET);
    gate_line("call gate with 31 parameters from CPL 3 to ring 1", v);
    printf("  callee stack: param[0]=0x%08x param[30]=0x%08x caller ESP=0x%08x SS=0x%04x; after RETF 124 ESP 0x%08x "
           "(caller 0x%08x)\n", probe_words[2], probe_words[32], probe_words[33], probe_words[34], after_esp, caller_esp);

    v = far_via(3, x_call_far16, G_GATE16 | 3, IGNORED_OFFSET);
    gate_line("16-bit call gate (2 word params) from CPL 3 to ring 2", v);
    const u16 *w = (const u16 *)probe_words;
    printf("  16-bit frame: CS=0x%04x params 0x%04x 0x%04x SP=0x%04x SS=0x%04x; caller SP 0x%04x, after o16 RETF 4 "
           "SP 0x%04x\n", w[1], w[2], w[3], w[4], w[5], caller_esp & 0xffff, after_esp & 0xffff);
}

static void tss_stacks(void)
{
    struct tss32 *tss = ring_tss();
    u32 ss2 = tss->ss2, esp2 = tss->esp2;
    gate_line("call gate to ring 2 (TSS SS2:ESP2)", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = 0;
    gate_line("call gate to ring 2, SS2 null", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = SEL_R2_DATA | 3;
    gate_line("call gate to ring 2, SS2 RPL 3", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = (SEL_R3_DATA & ~3) | 2;
    gate_line("call gate to ring 2, SS2 a DPL-3 data segment", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = G_RO_STACK | 2;
    gate_line("call gate to ring 2, SS2 read-only", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = SEL_R2_CODE;
    gate_line("call gate to ring 2, SS2 a code segment", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = G_ABSENT_STACK | 2;
    gate_line("call gate to ring 2, SS2 not present", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = 0x1002;
    gate_line("call gate to ring 2, SS2 beyond the GDT limit", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = ss2;
    tss_reload(0x15); /* ESP2 at 0x14..0x17, SS2 at 0x18: beyond */
    gate_line("call gate to ring 2, TSS limit 0x15 (SS2:ESP2 beyond it)", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss_reload(TSS_FULL_LIMIT);
    /* no room for SS, ESP, CS, EIP below ESP2 = 0x1008 in a segment with limit 0xfff: the first push is past it */
    gdt[G_GATE_R2 >> 3] = gate_descriptor(SEL_R2_CODE, (u32)t_plain_retf, GATE32, 3, 0);
    tss->ss2 = G_SMALL_STACK | 2;
    tss->esp2 = 0x1008;
    gate_line("call gate to ring 2, new stack past its limit", far_via(3, x_call_far, G_GATE_R2 | 3, IGNORED_OFFSET));
    tss->ss2 = ss2;
    tss->esp2 = esp2;
    gdt[G_GATE_R2 >> 3] = gate_descriptor(SEL_R2_CODE, (u32)t_retf0, GATE32, 3, 0);
}

static void jumps(void)
{
    gate_line("jmp through a gate to DPL-3 code from CPL 3", far_via(3, x_jmp_far, L_JMP_SAME, IGNORED_OFFSET));
    gate_line("jmp through a gate to DPL-0 code from CPL 3", far_via(3, x_jmp_far, L_JMP_INNER, IGNORED_OFFSET));
    gate_line("jmp through a gate to DPL-0 conforming code from CPL 3", far_via(3, x_jmp_far, L_JMP_CONFORMING, IGNORED_OFFSET));
    gate_line("direct far call to DPL-0 conforming code from CPL 3", far_via(3, x_call_far, G_CONFORMING | 3, (u32)t_retf0));
    printf("  frame CS=0x%04x\n", probe_words[1]);
    gate_line("direct far call to DPL-0 code from CPL 3", far_via(3, x_call_far, KERNEL_CS | 3, (u32)t_retf0));
    gate_line("direct far call to DPL-2 code from CPL 2, RPL 3", far_via(2, x_call_far, (SEL_R2_CODE & ~3) | 3, (u32)t_retf0));
    gate_line("direct far call to DPL-2 code from CPL 2, RPL 0", far_via(2, x_call_far, SEL_R2_CODE & ~3, (u32)t_retf0));
    gate_line("direct far call to DPL-3 code from CPL 2", far_via(2, x_call_far, SEL_R3_CODE, (u32)t_retf0));
    gate_line("direct far jmp to DPL-3 code from CPL 3", far_via(3, x_jmp_far, SEL_R3_CODE, (u32)t_near_ret));
}

static struct {
    u32 count, cs, ss, esp, eflags, frame_end;
} seen;

static void record_interrupt(struct frame *f)
{
    struct ring_frame *rf = ring_frame_of(f);
    seen.count++;
    seen.cs = f->cs;
    seen.ss = rf->ss;
    seen.esp = rf->esp;
    seen.eflags = read_eflags();
    seen.frame_end = (u32)(rf + 1);
}

static void skip_ud2(struct frame *f)
{
    record_interrupt(f);
    f->eip += 2;
}

static void print_seen(const char *what, int vector)
{
    printf("%s -> ", what);
    if (vector >= 0)
        printf("%s\n", fault_str(vector));
    else
        printf("handled=%u pushed CS=0x%04x SS=0x%04x ESP=0x%08x, frame ends at 0x%08x (ESP0), IF inside=%u\n",
               seen.count, seen.cs, seen.ss, seen.esp, seen.frame_end, !!(seen.eflags & EFLAGS_IF));
    memset(&seen, 0, sizeof seen);
}

static void interrupts(void)
{
    idt_set_gate(0x31, isr_stubs[0x31], KERNEL_CS, 0xee); /* DPL 3 interrupt gate */
    idt_set_gate(0x32, isr_stubs[0x32], KERNEL_CS, 0x6e); /* DPL 3, not present */
    idt_set_gate(0x33, isr_stubs[0x33], KERNEL_CS, 0x0e); /* DPL 0, not present */
    set_handler(0x31, record_interrupt);
    print_outcome("int 0x30 (DPL-0 gate) from CPL 3", ring_run(3, x_int30, 0));
    print_seen("int 0x31 (DPL-3 interrupt gate) from CPL 3", ring_run(3, x_int31, 0));
    print_seen("int 0x31 (DPL-3 interrupt gate) from CPL 2", ring_run(2, x_int31, 0));
    print_outcome("int 0x32 (DPL-3 gate, not present) from CPL 3", ring_run(3, x_int32, 0));
    print_outcome("int 0x33 (DPL-0 gate, not present) from CPL 3", ring_run(3, x_int33, 0));
    print_outcome("int 0x30 (DPL-0 gate) from CPL 1", ring_run(1, x_int30, 0));
    print_outcome("int3 (DPL-0 gate) from CPL 3", ring_run(3, x_int3, 0));
    print_outcome("int 3 (cd 03, DPL-0 gate) from CPL 3", ring_run(3, x_int3_cd, 0));
    print_outcome("into with OF=1 (DPL-0 gate) from CPL 3", ring_run(3, x_into, 0));
    idt_set_gate(3, isr_stubs[3], KERNEL_CS, 0xee);
    print_outcome("int3 (DPL-3 gate) from CPL 3", ring_run(3, x_int3, 0));
    idt_set_gate(3, isr_stubs[3], KERNEL_CS, 0x8e);
    print_outcome("ud2 (DPL-0 gate: exceptions ignore it) from CPL 3", ring_run(3, x_ud2, 0));
    print_outcome("div by zero (DPL-0 gate) from CPL 3", ring_run(3, x_div0, 0));
    set_handler(6, skip_ud2);
    print_seen("ud2 from CPL 3, handler skips it", ring_run(3, x_ud2, 0));
    set_handler(6, 0);
    set_handler(0x31, 0);
}

static void pit_tick(struct frame *f)
{
    record_interrupt(f);
    tick_count++;
    pic_set_mask(0xffff);
    pic_eoi(0);
}

static void pit_in_ring2(void)
{
    set_handler(IRQ_BASE + 0, pit_tick);
    tick_count = 0;
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8); /* 1 kHz */
    pic_set_mask(0xfffe);
    struct ring_entry r2 = { 2, 0x2002, SEL_R2_DATA, SEL_R2_DATA, SEL_R2_DATA, SEL_R2_DATA };
    int v = ring_run_with(&r2, x_wait_tick, 0);
    pic_set_mask(0xffff);
    set_handler(IRQ_BASE + 0, 0);
    printf("PIT interrupt while in ring 2 (DPL-0 gate, STI at IOPL 2) -> %s ticks=%u pushed CS=0x%04x SS=0x%04x ESP=0x%08x, frame "
           "ends at 0x%08x (ESP0)\n", v < 0 ? "ok" : fault_str(v), tick_count, seen.cs, seen.ss, seen.esp,
           seen.frame_end);
    printf("  ring 2 before: CS=0x%04x SS=0x%04x ESP=0x%08x; resumed after IRET: CS=0x%04x SS=0x%04x ESP=0x%08x\n",
           tick_before[0], tick_before[1], tick_before[2], tick_after[0], tick_after[1], tick_after[2]);
    memset(&seen, 0, sizeof seen);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("rings: begin\n");
    ring_init();
    setup();
    privcall();
    iret_entry();
    call_gates();
    tss_stacks();
    jumps();
    interrupts();
    pit_in_ring2();
    puts("rings: end\n");
}
