/* demo=heartbleed on the kernel command line (core/main.c): runs /bin/hb_demo (kernel/user/bin/hb_demo.c),
 * whose verdict table ends with "heartbleed baseline: leaked N/M key bytes" and "heartbleed privuser: leaked
 * 0/M key bytes", then ends the run through the isa-debug-exit port: 0 when the verdicts held, 1 if not. */
#include <kernel/lotr.h>
#include <kernel/ktest.h>
#include <kernel/serial.h>
#include <kernel/x86.h>
#include <kernel/lib.h>
#include <uapi/wait.h>

void lotr_demo_heartbleed(void)
{
    char *argv[] = { "/bin/hb_demo", NULL };
    int status = 0;
    int r = ktest_run_program(argv[0], argv, &status);
    bool ok = r == 0 && status == W_EXITED(0);
    if (r < 0)
        kprintf("demo heartbleed: cannot run %s: error %d\n", argv[0], r);
    else if (!ok)
        kprintf("demo heartbleed: the verdicts did not hold (status 0x%x)\n", status);
    serial_flush();
    outb(0xF4, ok ? 0 : 1);
    kprintf("demo heartbleed: no isa-debug-exit device at port 0xf4; halting\n");
    serial_flush();
    cli();
    for (;;)
        hlt();
}
