/* debug: the debug registers and flags (Intel SDM Vol. 3A chapter 18): execute breakpoints (faults, suppressed
 * by RF in the IRET image, RF cleared after one instruction), data write and read/write breakpoints of 1, 2
 * and 4 bytes (traps after the instruction; the access is done), DR6 B0-B3, BS and BD, DR7.GD, breakpoints hit
 * at CPL 3, TF single-step at CPL 3, POPF clearing RF, DR4/DR5 with CR4.DE, ICEBP and INT 1 against the gate
 * DPL, and MOV DR at CPL 3. */
#include "ring.h"

#define SNIPPET(name) extern void name(void *); extern const u8 name##_insn[];
SNIPPET(d_exec) SNIPPET(d_exec2) SNIPPET(d_write32) SNIPPET(d_write16) SNIPPET(d_write8) SNIPPET(d_read32)
SNIPPET(d_mov_dr0) SNIPPET(d_icebp) SNIPPET(d_int1_cd) SNIPPET(d_read_dr4) SNIPPET(d_read_dr7) SNIPPET(d_step3)
SNIPPET(d_popf_rf)
#undef SNIPPET
extern const u8 d_exec2_second[], d_write32_after[], d_write16_after[], d_write8_after[], d_read32_after[],
    d_icebp_after[], d_step3_1[], d_step3_2[], d_step3_3[], d_step3_4[], d_step3_5[];
extern u32 bp_data[2], d_exec_result;

#define CR4_DE (1u << 3)
#define DR7_GD (1u << 13)
#define DR6_SHOWN 0xe00fu /* BT BS BD and B3..B0: the bits defined for these tests */
/* DR7 for breakpoint n: local enable, R/W (0 execute, 1 write, 3 read/write) and LEN (0: 1, 1: 2, 3: 4 bytes) */
#define DR7_BP(n, rw, len) ((1u << ((n) * 2)) | ((u32)(rw) << (16 + (n) * 4)) | ((u32)(len) << (18 + (n) * 4)))

#define DEFINE_DR(n)                                                                                     \
    static inline u32 read_dr##n(void) { u32 v; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_dr##n(u32 v) { __asm__ volatile("mov %0, %%dr" #n ::"r"(v) : "memory"); }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(6)
DEFINE_DR(7)
#undef DEFINE_DR

static struct {
    u32 count, eip[8], dr6[8], dr7, cs;
    int set_rf;
} db;

static void db_handler(struct frame *f)
{
    if (db.count < 8) {
        db.eip[db.count] = f->eip;
        db.dr6[db.count] = read_dr6();
    }
    db.count++;
    db.dr7 = read_dr7();
    db.cs = f->cs;
    write_dr6(0);
    if (db.set_rf)
        f->eflags |= 1u << 16; /* RF: the faulting instruction runs once without its breakpoint */
}

static void db_reset(int set_rf)
{
    memset(&db, 0, sizeof db);
    db.set_rf = set_rf;
    write_dr6(0);
}

/* "eip=<name>" for the labels the tests know */
static const char *where(u32 eip, const u8 *insn, const u8 *after)
{
    static char buf[16];
    if (eip == (u32)insn)
        return "insn";
    if (after && eip == (u32)after)
        return "after";
    s32 d = (s32)(eip - (u32)insn);
    buf[0] = 'i', buf[1] = 'n', buf[2] = 's', buf[3] = 'n', buf[4] = d < 0 ? '-' : '+';
    u32 m = (u32)(d < 0 ? -d : d);
    buf[5] = (char)('0' + (m / 10) % 10), buf[6] = (char)('0' + m % 10), buf[7] = 0;
    return buf;
}

static void db_line(const char *what, int vector, const u8 *insn, const u8 *after)
{
    printf("%s -> ", what);
    if (vector >= 0) {
        printf("%s\n", fault_str(vector));
        return;
    }
    if (db.count == 0) {
        puts("no #DB\n");
        return;
    }
    printf("#DB x%u", db.count);
    for (u32 i = 0; i < db.count && i < 4; i++)
        printf(" [eip=%s DR6=0x%04x]", where(db.eip[i], insn, after), db.dr6[i] & DR6_SHOWN);
    puts("\n");
}

static void data_bp(const char *what, int n, u32 rw, u32 len, u32 addr, void (*fn)(void *), const u8 *insn,
                    const u8 *after, u32 target)
{
    bp_data[0] = bp_data[1] = 0;
    db_reset(0);
    if (n == 0) write_dr0(addr);
    if (n == 1) write_dr1(addr);
    if (n == 2) write_dr2(addr);
    if (n == 3) write_dr3(addr);
    write_dr7(DR7_BP(n, rw, len));
    int v = try_call(fn, (void *)target);
    write_dr7(0);
    db_line(what, v, insn, after);
}

static void execute_breakpoints(void)
{
    db_reset(1);
    d_exec_result = 0;
    write_dr0((u32)d_exec_insn);
    write_dr7(DR7_BP(0, 0, 0));
    int v = try_call(d_exec, 0);
    write_dr7(0);
    db_line("execute breakpoint DR0, handler sets RF in the IRET image", v, d_exec_insn, 0);
    printf("  the instruction ran once: result %u\n", d_exec_result);

    db_reset(1);
    write_dr0((u32)d_exec2_insn);
    write_dr3((u32)d_exec2_second);
    write_dr7(DR7_BP(0, 0, 0) | DR7_BP(3, 0, 0));
    v = try_call(d_exec2, 0);
    write_dr7(0);
    db_line("execute breakpoints DR0 and DR3 on two instructions in a row (RF lasts one instruction)", v,
            d_exec2_insn, d_exec2_second);

    db_reset(1);
    write_dr1((u32)d_exec_insn);
    write_dr2((u32)d_exec_insn);
    write_dr7(DR7_BP(1, 0, 0) | DR7_BP(2, 0, 0));
    v = try_call(d_exec, 0);
    write_dr7(0);
    db_line("execute breakpoints DR1 and DR2 on the same instruction", v, d_exec_insn, 0);

    db_reset(1);
    write_dr0((u32)d_exec_insn);
    write_dr7(DR7_BP(0, 0, 0) & ~1u);
    v = try_call(d_exec, 0);
    db_line("execute breakpoint DR0 with L0=0 G0=0", v, d_exec_insn, 0);
    write_dr7(0);
}

static void data_breakpoints(void)
{
    u32 a = (u32)&bp_data[0];
    data_bp("write bp len 4, dword write", 1, 1, 3, a, d_write32, d_write32_insn, d_write32_after, a);
    printf("  the write was done: 0x%08x\n", bp_data[0]);
    data_bp("write bp len 4, byte write at +3", 1, 1, 3, a, d_write8, d_write8_insn, d_write8_after, a + 3);
    data_bp("write bp len 4, byte write at +4", 1, 1, 3, a, d_write8, d_write8_insn, d_write8_after, a + 4);
    data_bp("write bp len 4, dword read", 1, 1, 3, a, d_read32, d_read32_insn, d_read32_after, a);
    data_bp("write bp len 4, dword write at -2 (overlaps)", 1, 1, 3, a, d_write32, d_write32_insn, d_write32_after, a - 2);
    data_bp("write bp len 2 at +2, byte write at +3", 2, 1, 1, a + 2, d_write8, d_write8_insn, d_write8_after, a + 3);
    data_bp("write bp len 2 at +2, byte write at +1", 2, 1, 1, a + 2, d_write8, d_write8_insn, d_write8_after, a + 1);
    data_bp("write bp len 1 at +1, byte write at +1", 0, 1, 0, a + 1, d_write8, d_write8_insn, d_write8_after, a + 1);
    data_bp("write bp len 1 at +1, byte write at +2", 0, 1, 0, a + 1, d_write8, d_write8_insn, d_write8_after, a + 2);
    data_bp("write bp len 1 at +1, word write at +0", 0, 1, 0, a + 1, d_write16, d_write16_insn, d_write16_after, a);
    data_bp("read/write bp len 4, dword read", 3, 3, 3, a, d_read32, d_read32_insn, d_read32_after, a);
    data_bp("read/write bp len 4, dword write", 3, 3, 3, a, d_write32, d_write32_insn, d_write32_after, a);
    data_bp("read/write bp len 2 at +4, dword read at +0", 2, 3, 1, a + 4, d_read32, d_read32_insn, d_read32_after, a);

    /* two data breakpoints on one access */
    bp_data[0] = 0;
    db_reset(0);
    write_dr0(a);
    write_dr2(a);
    write_dr7(DR7_BP(0, 1, 3) | DR7_BP(2, 3, 3));
    int v = try_call(d_write32, (void *)a);
    write_dr7(0);
    db_line("write bp DR0 and read/write bp DR2 on one dword write", v, d_write32_insn, d_write32_after);

    /* a data breakpoint hit at CPL 3 (the ring-3 pages are the kernel's: flat, no paging) */
    db_reset(0);
    write_dr1(a);
    write_dr7(DR7_BP(1, 1, 3));
    v = ring_run(3, d_write32, (void *)a);
    write_dr7(0);
    db_line("write bp len 4, dword write at CPL 3", v, d_write32_insn, d_write32_after);
    printf("  pushed CS=0x%04x\n", db.cs);
}

static void general_detect(void)
{
    db_reset(0);
    write_dr7(DR7_GD);
    int v = try_call(d_mov_dr0, 0);
    u32 dr7_after = read_dr7();
    write_dr7(0);
    db_line("mov dr0 with DR7.GD=1", v, d_mov_dr0_insn, 0);
    printf("DR7.GD after the #DB handler returned -> %u\n", !!(dr7_after & DR7_GD));
}

static void single_step(void)
{
    db_reset(0);
    int v = ring_run(3, d_step3, 0);
    printf("single step at CPL 3 -> ");
    if (v >= 0)
        printf("%s\n", fault_str(v));
    else {
        printf("#DB x%u:", db.count);
        const u8 *points[5] = { d_step3_1, d_step3_2, d_step3_3, d_step3_4, d_step3_5 };
        for (u32 i = 0; i < db.count && i < 8; i++) {
            int p = -1;
            for (int k = 0; k < 5; k++)
                if (db.eip[i] == (u32)points[k])
                    p = k;
            printf(" [after insn %d DR6=0x%04x]", p + 1, db.dr6[i] & DR6_SHOWN);
        }
        printf(" pushed CS=0x%04x\n", db.cs);
    }
    d_exec_result = 0;
    v = try_call(d_popf_rf, 0);
    printf("popfd with RF=1 in the image -> %s RF=%u\n", v < 0 ? "ok" : fault_str(v), (d_exec_result >> 16) & 1);
}

static void instructions(void)
{
    db_reset(0);
    int v = try_call(d_icebp, 0);
    db_line("icebp (f1) at CPL 0", v, d_icebp_insn, d_icebp_after);
    db_reset(0);
    v = ring_run(3, d_icebp, 0);
    db_line("icebp (f1) at CPL 3, DPL-0 gate", v, d_icebp_insn, d_icebp_after);
    print_outcome("int 1 (cd 01) at CPL 3, DPL-0 gate", ring_run(3, d_int1_cd, 0));
    print_outcome("mov eax, dr7 at CPL 3", ring_run(3, d_read_dr7, 0));
    print_outcome("mov eax, dr7 at CPL 1", ring_run(1, d_read_dr7, 0));
    write_cr4(read_cr4() & ~CR4_DE);
    write_dr6(0x2); /* B1: DR4 must read as DR6 */
    d_exec_result = 0;
    v = try_call(d_read_dr4, 0);
    write_dr6(0);
    printf("mov eax, dr4 with CR4.DE=0 -> %s DR4=0x%04x (DR6)\n", v < 0 ? "ok" : fault_str(v), d_exec_result & DR6_SHOWN);
    write_cr4(read_cr4() | CR4_DE);
    print_outcome("mov eax, dr4 with CR4.DE=1", try_call(d_read_dr4, 0));
    write_cr4(read_cr4() & ~CR4_DE);
}

void test_main(u32 magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("debug: begin\n");
    ring_init();
    set_handler(1, db_handler);
    single_step();
    instructions();
    execute_breakpoints();
    data_breakpoints();
    general_detect();
    set_handler(1, 0);
    puts("debug: end\n");
}
