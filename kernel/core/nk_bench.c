/* bench=nk on the kernel command line (core/main.c): runs /bin/nk_bench (kernel/user/bin/nk_bench.c), the
 * Nested Kernel's lmbench-style figures, then ends the run through the isa-debug-exit port (0 when the
 * program exited with 0). An optional nk=FIGURE:N,FIGURE:N... word gives the program its arguments. It lives in
 * core/, not nk/, so that it stays out of the nested kernel's sections and line count. */
#include <kernel/nk.h>
#include <kernel/multiboot.h>
#include <kernel/sched.h>
#include <kernel/serial.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/wait.h>

#define NK_BENCH_PATH "/bin/nk_bench"
#define NK_BENCH_ARGS 8

void nk_bench(void)
{
    static char spec[200];
    char *argv[NK_BENCH_ARGS + 2];
    int argc = 0;
    argv[argc++] = NK_BENCH_PATH;
    if (boot_option("nk", spec, sizeof spec))
        for (char *p = spec; *p && argc <= NK_BENCH_ARGS;) {
            argv[argc++] = p;
            while (*p && *p != ',')
                p++;
            if (*p)
                *p++ = 0;
        }
    argv[argc] = NULL;
    int status = 0, pid = proc_spawn(NK_BENCH_PATH, argc, argv);
    if (pid < 0)
        kprintf("bench nk: cannot run %s: error %d\n", NK_BENCH_PATH, pid);
    else
        while (proc_wait(pid, &status) != pid)
            ;
    kprintf("bench nk: NK=%d audit records %u\n", NK, nk_audit_count());
    serial_flush();
    outb(0xF4, pid >= 0 && status == W_EXITED(0) ? 0 : 1);
    cli();
    for (;;)
        hlt();
}
