/* control: Jcc in all four encodings over every OF/SF/ZF/PF/CF combination, LOOP LOOPE LOOPNE JECXZ (and their
 * 16-bit address-size forms), near/far/indirect CALL JMP RET, RET imm16, 16-bit CALL/RET, ENTER/LEAVE with
 * nesting levels 0, 1, 3 (and 33, masked to 1), PUSHA/POPA, PUSHF/POPF at CPL 0, and pushes and pops of each
 * operand size. The stack tests use a stack at a fixed address, so ESP and EBP are printed as they are. */
#include "guest.h"

#define TEST_STACK_TOP (SCRATCH_BASE + 0x51000)
#define BLOB_BASE 0x7000

extern const insn_fn jcc_table[16][4];
extern u32 ctl_out[64];
#define X(name) extern void name(struct regs *);
X(x_loop) X(x_a16_loop) X(x_loope) X(x_loopne) X(x_jecxz) X(x_jcxz)
#undef X
extern void t_near_calls(void), t_far_calls(void), t_blob16(void), t_pusha(void), t_pusha16(void);
extern void t_push_pop(void), t_popf(void);
extern void t_enter_16_0(void), t_enter_8_1(void), t_enter_12_3(void), t_enter_4_33(void), t_enter16(void);
extern const u8 blob16_start[], blob16_end[];
extern const u32 blob16_after_call, blob16_here;

static const char *const cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                          "s", "ns", "p", "np", "l", "ge", "le", "g" };

static u32 combination(int k)
{
    return 0x2 | (k & 1 ? EFLAGS_CF : 0) | (k & 2 ? EFLAGS_PF : 0) | (k & 4 ? EFLAGS_ZF : 0) |
           (k & 8 ? EFLAGS_SF : 0) | (k & 16 ? EFLAGS_OF : 0);
}

static void jcc_tests(void)
{
    static const char *const forms[4] = { "short+", "short-", "near+", "near-" };
    puts("jcc: flag combination k has CF=bit0 PF=bit1 ZF=bit2 SF=bit3 OF=bit4, k=0..31, 1 = taken\n");
    for (int cc = 0; cc < 16; cc++) {
        printf("j%s", cc_names[cc]);
        for (int form = 0; form < 4; form++) {
            char taken[33];
            for (int k = 0; k < 32; k++) {
                struct regs r = { .eax = 0x77, .eflags = combination(k) };
                jcc_table[cc][form](&r);
                taken[k] = r.eax > 1 ? '?' : (char)('0' + r.eax);
            }
            taken[32] = 0;
            printf(" %s %s", forms[form], taken);
        }
        puts("\n");
    }
}

static void show_loop(const char *name, const struct regs *r)
{
    printf("%s -> iterations=%u ecx=0x%08x %s\n", name, r->edx, r->ecx, flags_str(r->eflags, EFLAGS_STATUS));
}

static void loop_tests(void)
{
    static const u8 bytes[8] = { 7, 7, 7, 9, 7, 7, 7, 7 };
    struct regs r;
    r = (struct regs){ .ecx = 5, .eflags = 0x2 };
    x_loop(&r);
    show_loop("loop ecx=5", &r);
    r = (struct regs){ .ecx = 1, .eflags = 0x2 | EFLAGS_STATUS };
    x_loop(&r);
    show_loop("loop ecx=1 flags kept", &r);
    r = (struct regs){ .ecx = 0x00010003u, .eflags = 0x2 };
    x_a16_loop(&r);
    show_loop("a16 loop cx=3 (ecx=0x00010003)", &r);
    r = (struct regs){ .eax = 7, .ecx = 8, .esi = (u32)bytes, .eflags = 0x2 };
    x_loope(&r);
    show_loop("loope until differ (4th)", &r);
    r = (struct regs){ .eax = 7, .ecx = 3, .esi = (u32)bytes, .eflags = 0x2 };
    x_loope(&r);
    show_loop("loope ecx=3 all equal", &r);
    r = (struct regs){ .eax = 9, .ecx = 8, .esi = (u32)bytes, .eflags = 0x2 };
    x_loopne(&r);
    show_loop("loopne until equal (4th)", &r);
    r = (struct regs){ .eax = 1, .ecx = 8, .esi = (u32)bytes, .eflags = 0x2 };
    x_loopne(&r);
    show_loop("loopne ecx=8 never equal", &r);
    static const u32 ecx_values[3] = { 0, 1, 0x00010000u };
    for (int i = 0; i < 3; i++) {
        r = (struct regs){ .ecx = ecx_values[i], .eflags = 0x2 };
        x_jecxz(&r);
        printf("jecxz ecx=0x%08x -> taken=%u\n", ecx_values[i], r.eax);
        r = (struct regs){ .ecx = ecx_values[i], .eflags = 0x2 };
        x_jcxz(&r);
        printf("jcxz (a16) ecx=0x%08x -> taken=%u\n", ecx_values[i], r.eax);
    }
}

static void clear_out(void)
{
    memset(ctl_out, 0xcc, sizeof ctl_out);
}

static void fill_stack(void)
{
    u32 *p = (u32 *)(TEST_STACK_TOP - 0x100);
    for (u32 i = 0; i < 0x40; i++)
        p[i] = 0xd0000000u | (i * 4);
}

static void dump_stack(u32 from)
{
    printf("  stack from 0x%08x:", from);
    for (u32 a = from; a < TEST_STACK_TOP; a += 4)
        printf(" %08x", *(u32 *)a);
    puts("\n");
}

static void call_tests(void)
{
    clear_out();
    t_near_calls();
    printf("call rel32: pushed next eip=%u esp=0x%08x\n", ctl_out[0] == 0, ctl_out[1]);
    printf("ret 12: last argument=0x%x esp after=0x%08x\n", ctl_out[3], ctl_out[2]);
    printf("call eax=%u call [mem]=%u jmp [table+ecx*4]=%u jmp eax=%u jmp [mem]=%u esp=0x%08x\n", ctl_out[4],
           ctl_out[5], ctl_out[6], ctl_out[7], ctl_out[8], ctl_out[9]);
    clear_out();
    t_far_calls();
    printf("call far 9A: pushed next eip=%u cs=0x%04x esp=0x%08x\n", ctl_out[0] == 0, ctl_out[1], ctl_out[2]);
    printf("call far [mem]: pushed next eip=%u cs=0x%04x\n", ctl_out[3] == 0, ctl_out[4]);
    printf("retf 8: last argument=0x%x esp after=0x%08x\n", ctl_out[5], ctl_out[6]);
    printf("jmp far EA=%u jmp far [mem]=%u\n", ctl_out[7], ctl_out[8]);

    memcpy((void *)BLOB_BASE, blob16_start, (u32)(blob16_end - blob16_start));
    clear_out();
    t_blob16();
    printf("call rel16 (66 E8): esp 0x%08x -> 0x%08x pushed ip=0x%04x (expected 0x%04x)\n", ctl_out[0], ctl_out[1],
           ctl_out[2], BLOB_BASE + blob16_after_call);
    printf("ret (66 C3): esp=0x%08x eip after=0x%08x (expected 0x%08x)\n", ctl_out[3], ctl_out[4],
           BLOB_BASE + blob16_here);
}

static void enter_test(const char *name, void (*fn)(void))
{
    fill_stack();
    clear_out();
    fn();
    printf("%s: after enter esp=0x%08x ebp=0x%08x, after leave esp=0x%08x ebp=0x%08x\n", name, ctl_out[0],
           ctl_out[1], ctl_out[2], ctl_out[3]);
    dump_stack(TEST_STACK_TOP - 0x30);
}

static void stack_tests(void)
{
    enter_test("enter 16,0", t_enter_16_0);
    enter_test("enter 8,1", t_enter_8_1);
    enter_test("enter 12,3", t_enter_12_3);
    enter_test("enter 4,33", t_enter_4_33);
    enter_test("enter 6,0 (16-bit)", t_enter16);

    static const char *const names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    fill_stack();
    clear_out();
    t_pusha();
    puts("pushad/popad:");
    for (int i = 0; i < 8; i++)
        printf(" %s=0x%08x", names[i], ctl_out[i]);
    puts("\n");
    dump_stack(TEST_STACK_TOP - 0x20);
    fill_stack();
    clear_out();
    t_pusha16();
    printf("pushaw: esp=0x%08x; popaw:", ctl_out[8]);
    for (int i = 0; i < 8; i++)
        printf(" %s=0x%08x", names[i], ctl_out[i]);
    puts("\n");
    dump_stack(TEST_STACK_TOP - 0x10);

    static const char *const steps[9] = { "push imm8 -1", "push word 0x1234", "push word -2", "push ax", "pop cx",
                                          "push esp", "pop esp", "pop [esp]", "push [esp]" };
    fill_stack();
    clear_out();
    t_push_pop();
    for (int i = 0; i < 9; i++)
        printf("%s -> esp=0x%08x [esp]=0x%08x\n", steps[i], ctl_out[2 * i], ctl_out[2 * i + 1]);
    printf("pop cx -> ecx=0x%04x\n", ctl_out[20] & 0xffff);
    printf("push ds -> esp=0x%08x low word=0x%04x\n", ctl_out[18], ctl_out[19]);
    printf("push ds (66) -> esp=0x%08x word=0x%04x; pop es (66) -> esp=0x%08x\n", ctl_out[21], ctl_out[22],
           ctl_out[23]);
    printf("pushfw -> esp=0x%08x; popfw -> esp=0x%08x\n", ctl_out[24], ctl_out[25]);
    printf("push fs, pop gs -> esp=0x%08x gs=0x%04x\n", ctl_out[26], ctl_out[27]);

    clear_out();
    t_popf();
    printf("popfd 0xfffffeff -> eflags=0x%08x\n", ctl_out[0]);
    printf("popfd 0x00000000 -> eflags=0x%08x\n", ctl_out[1]);
    printf("popfw 0xfeff over 0x00000002 -> eflags=0x%08x\n", ctl_out[2]);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("control: begin\n");
    jcc_tests();
    loop_tests();
    call_tests();
    stack_tests();
    puts("control: end\n");
}
