/* The user-space tests: each KTEST runs a program from /test (kernel/user/tests/NAME.c) and checks
 * its wait status (uapi/wait.h). Programs that must die name the CPU exception that kills them;
 * after each of those, /bin/true must still run, to show the kernel survived. Programs that check
 * behaviour exit 0 and print one line per failed check on the console. docs/userland.md lists them. */
#include <kernel/ktest.h>
#include <kernel/lib.h>
#include <kernel/cpu.h>
#include <uapi/wait.h>
#include <uapi/errno.h>

#define VEC_DE 0
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

/* Writes a readable form of a wait status into buf. */
static const char *describe(int status, char *buf, size_t size)
{
    if (WIFKILLED(status))
        ksnprintf(buf, size, "killed by vector %d (status 0x%x)", WKILLREASON(status), status);
    else
        ksnprintf(buf, size, "exit %d (status 0x%x)", WEXITSTATUS(status), status);
    return buf;
}

/* Runs argv and returns its wait status; fails the test and returns -1 when it cannot run. */
static int run(char *const argv[])
{
    int status = 0;
    int r = ktest_run_program(argv[0], argv, &status);
    if (r < 0) {
        ktest_fail("%s %s: could not run it (%d)", argv[0], argv[1] ? argv[1] : "", r);
        return -1;
    }
    return status;
}

/* Runs argv and checks that it exited with code. */
static void expect_exit(char *const argv[], int code)
{
    char got[64];
    int status = run(argv);
    if (status >= 0 && status != W_EXITED(code))
        ktest_fail("%s %s: %s, want exit %d", argv[0], argv[1] ? argv[1] : "", describe(status, got, sizeof got),
                   code);
}

/* The kernel must still run programs after a user program was killed. */
static void expect_kernel_alive(void)
{
    char *argv[] = { "/bin/true", NULL };
    int status = run(argv);
    if (status >= 0 && status != W_EXITED(0))
        ktest_fail("/bin/true after the fault: status 0x%x", status);
}

/* Runs "/test/fault CASE" and checks that exception vector killed it. */
static void expect_fault(const char *fault_case, int vector)
{
    char *argv[] = { "/test/fault", (char *)fault_case, NULL };
    char got[64];
    int status = run(argv);
    if (status < 0)
        return;
    if (status != (int)W_KILLED(vector))
        ktest_fail("fault %s: %s, want killed by vector %d", fault_case, describe(status, got, sizeof got), vector);
    expect_kernel_alive();
}

/* Ring 3 touching 0xC0000000 and up: the segment limit (0xBFFFFFFF) stops it with #GP(0) on CPUs that
 * check limits on access (SDM Vol. 3A §5.3); QEMU TCG does not (qemu-deviations.md item 1, 4), and then
 * the supervisor pages stop it with #PF (U=1 in the error code). The boot probe says which applies. */
static int kernel_access_vector(void) { return cpu.seg_limits_enforced ? VEC_GP : VEC_PF; }

KTEST(user_kernel_read) { expect_fault("kread", kernel_access_vector()); }
KTEST(user_kernel_read_high) { expect_fault("kread_high", kernel_access_vector()); }
KTEST(user_kernel_write) { expect_fault("kwrite", kernel_access_vector()); }
KTEST(user_kernel_write_high) { expect_fault("kwrite_high", kernel_access_vector()); }
KTEST(user_kernel_exec) { expect_fault("kexec", kernel_access_vector()); }

/* Privileged and I/O instructions at CPL 3 with IOPL 0: #GP(0). */
KTEST(user_cli) { expect_fault("cli", VEC_GP); }
KTEST(user_sti) { expect_fault("sti", VEC_GP); }
KTEST(user_hlt) { expect_fault("hlt", VEC_GP); }
KTEST(user_out) { expect_fault("out", VEC_GP); }
KTEST(user_in) { expect_fault("in", VEC_GP); }
KTEST(user_in_dx) { expect_fault("in_dx", VEC_GP); }
KTEST(user_mov_cr3) { expect_fault("mov_cr3", VEC_GP); }
KTEST(user_read_cr0) { expect_fault("read_cr0", VEC_GP); }
KTEST(user_lidt) { expect_fault("lidt", VEC_GP); }
KTEST(user_rdmsr) { expect_fault("rdmsr", VEC_GP); }
/* INT n through a DPL-0 gate (an exception, an IRQ): #GP(n*8+2), never the handler. */
KTEST(user_int_exception_gate) { expect_fault("int_gate", VEC_GP); }
KTEST(user_int_irq_gate) { expect_fault("int_irq", VEC_GP); }

KTEST(user_divide_by_zero) { expect_fault("divzero", VEC_DE); }
KTEST(user_divide_overflow) { expect_fault("divoverflow", VEC_DE); }
KTEST(user_ud2) { expect_fault("ud2", VEC_UD); }
KTEST(user_null_read) { expect_fault("null_read", VEC_PF); }
KTEST(user_null_write) { expect_fault("null_write", VEC_PF); }
KTEST(user_null_exec) { expect_fault("null_exec", VEC_PF); }
KTEST(user_stack_guard) { expect_fault("stack_guard", VEC_PF); }
/* Text is mapped read-only, rodata too (user.ld gives them their own segments). */
KTEST(user_text_write) { expect_fault("text_write", VEC_PF); }
KTEST(user_rodata_write) { expect_fault("rodata_write", VEC_PF); }

/* Executing data: #PF with I/D=1 when NX is in force (the pages are present, user and writable,
 * so nothing else can fault there). Skipped only when CPUID shows no NX. */
static void expect_nx_fault(const char *fault_case)
{
    if (!cpu.nx) {
        ktest_skip("the CPU has no NX (CPUID 80000001h EDX bit 20)");
        return;
    }
    expect_fault(fault_case, VEC_PF);
}

KTEST(user_nx_stack) { expect_nx_fault("stack_exec"); }
KTEST(user_nx_data) { expect_nx_fault("data_exec"); }
KTEST(user_nx_bss) { expect_nx_fault("bss_exec"); }
KTEST(user_nx_heap) { expect_nx_fault("heap_exec"); }
KTEST(user_nx_rodata) { expect_nx_fault("rodata_exec"); }

/* Bad pointers (NULL, kernel, unmapped, guard page, spanning, unterminated, read-only) to each call
 * that takes one: every attempt must answer -EFAULT. */
static void expect_bad_pointers(const char *call)
{
    char *argv[] = { "/test/badptr", (char *)call, NULL };
    expect_exit(argv, 0);
}

KTEST(user_bad_pointers_read) { expect_bad_pointers("read"); }
KTEST(user_bad_pointers_write) { expect_bad_pointers("write"); }
KTEST(user_bad_pointers_open) { expect_bad_pointers("open"); }
KTEST(user_bad_pointers_readdir) { expect_bad_pointers("readdir"); }
KTEST(user_bad_pointers_unlink) { expect_bad_pointers("unlink"); }
KTEST(user_bad_pointers_spawn) { expect_bad_pointers("spawn"); }
KTEST(user_bad_pointers_wait) { expect_bad_pointers("wait"); }
KTEST(user_bad_pointers_pipe) { expect_bad_pointers("pipe"); }
KTEST(user_bad_pointers_mkdir) { expect_bad_pointers("mkdir"); }
KTEST(user_bad_pointers_rename) { expect_bad_pointers("rename"); }
KTEST(user_bad_pointers_stat) { expect_bad_pointers("stat"); }
KTEST(user_bad_pointers_procinfo) { expect_bad_pointers("procinfo"); }
KTEST(user_bad_pointers_meminfo) { expect_bad_pointers("meminfo"); }

KTEST(user_memory_exhaustion)
{
    char *argv[] = { "/test/memhog", NULL };
    expect_exit(argv, 0);
    expect_kernel_alive();
}

KTEST(user_spawn_bomb)
{
    char *argv[] = { "/test/spawnbomb", NULL };
    expect_exit(argv, 0);
    expect_kernel_alive();
}

KTEST(user_spawn_chain)
{
    char *argv[] = { "/test/spawnbomb", "chain", NULL };
    expect_exit(argv, 0);
    expect_kernel_alive();
}

KTEST(user_self_kill)
{
    char *argv[] = { "/test/procs", "selfkill", NULL };
    char got[64];
    int status = run(argv);
    if (status >= 0 && status != (int)W_KILLED(KILL_BY_SIGNAL))
        ktest_fail("procs selfkill: %s, want killed", describe(status, got, sizeof got));
}

KTEST(user_exit_status)
{
    char *argv[] = { "/test/procs", "exit", "42", NULL };
    expect_exit(argv, 42);
    char *f[] = { "/bin/false", NULL };
    expect_exit(f, 1);
}

KTEST(user_argv)
{
    char *argv[] = { "/test/args", "one", "two words", "", "last", NULL };
    expect_exit(argv, 0);
}

KTEST(user_argv_spawn)
{
    char *argv[] = { "/test/args", "spawn", NULL };
    expect_exit(argv, 0);
}

KTEST(user_pipes)
{
    char *argv[] = { "/test/pipes", NULL };
    expect_exit(argv, 0);
}

KTEST(user_files)
{
    char *argv[] = { "/test/files", NULL };
    expect_exit(argv, 0);
}

KTEST(user_heap)
{
    char *argv[] = { "/test/heap", NULL };
    expect_exit(argv, 0);
}

KTEST(user_timing)
{
    char *argv[] = { "/test/timing", NULL };
    expect_exit(argv, 0);
}

KTEST(user_procs)
{
    char *argv[] = { "/test/procs", NULL };
    expect_exit(argv, 0);
}

KTEST(user_shell)
{
    char *argv[] = { "/test/shell", NULL };
    expect_exit(argv, 0);
}

/* Spawning something that is not there is an error for the caller, not a crash. */
KTEST(user_spawn_missing)
{
    char *argv[] = { "/test/no-such-program", NULL };
    int status = 0;
    int r = ktest_run_program(argv[0], argv, &status);
    if (r != -ENOENT)
        ktest_fail("ktest_run_program of a missing file = %d, want -ENOENT (%d)", r, -ENOENT);
}
