/* bench=lotr on the kernel command line (core/main.c): runs /bin/hb_bench (kernel/user/bin/hb_bench.c), the
 * LOTRx86 round-trip and signing measurements, and ends the run through the isa-debug-exit port: 0 when the
 * program exited with 0, 1 if not. An optional lotr=FIGURE:N,FIGURE:N... word gives the program its
 * arguments (tools/bench-lotr.ts boots once per figure this way); without it every figure runs once. */
#include <kernel/lotr.h>
#include <kernel/multiboot.h>
#include <kernel/sched.h>
#include <kernel/serial.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/wait.h>

#define BENCH_PATH "/bin/hb_bench"
#define BENCH_MAX_ARGS 16

static char bench_spec[200];

/* Splits bench_spec at commas into argv[1..]; returns argc (argv[0] is the program). */
static int bench_args(char *argv[BENCH_MAX_ARGS + 2])
{
    int argc = 0;
    argv[argc++] = BENCH_PATH;
    if (boot_option("lotr", bench_spec, sizeof bench_spec)) {
        char *p = bench_spec;
        while (*p && argc <= BENCH_MAX_ARGS) {
            argv[argc++] = p;
            while (*p && *p != ',')
                p++;
            if (*p)
                *p++ = 0;
        }
    }
    argv[argc] = NULL;
    return argc;
}

void lotr_bench(void)
{
    char *argv[BENCH_MAX_ARGS + 2];
    int argc = bench_args(argv);
    int status = 0;
    int pid = proc_spawn(BENCH_PATH, argc, argv);
    bool ok = false;
    if (pid < 0) {
        kprintf("bench lotr: cannot run %s: error %d\n", BENCH_PATH, pid);
    } else {
        while (proc_wait(pid, &status) != pid) /* no time limit: the host decides how long a run may take */
            ;
        ok = status == W_EXITED(0);
        if (!ok)
            kprintf("bench lotr: %s failed (status 0x%x)\n", BENCH_PATH, status);
    }
    serial_flush();
    outb(0xF4, ok ? 0 : 1);
    kprintf("bench lotr: no isa-debug-exit device at port 0xf4; halting\n");
    serial_flush();
    cli();
    for (;;)
        hlt();
}
