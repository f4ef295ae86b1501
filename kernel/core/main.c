/* kmain: brings the machine up in dependency order, mounts the root filesystem, then runs the test
 * mode (test=...) or the shell on the console. */
#include <kernel/lib.h>
#include <kernel/multiboot.h>
#include <kernel/serial.h>
#include <kernel/vga.h>
#include <kernel/console.h>
#include <kernel/keyboard.h>
#include <kernel/cpu.h>
#include <kernel/gdt.h>
#include <kernel/tss.h>
#include <kernel/double_fault.h>
#include <kernel/idt.h>
#include <kernel/irq.h>
#include <kernel/pit.h>
#include <kernel/frame.h>
#include <kernel/paging.h>
#include <kernel/sched.h>
#include <kernel/file.h>
#include <kernel/fs.h>
#include <kernel/ata.h>
#include <kernel/ramdisk.h>
#include <kernel/ktest_run.h>
#include <kernel/x86.h>
#include <kernel/lotr.h>
#include <kernel/nk.h>
#include <kernel/rogue.h>
#include <kernel/syscall.h>
#include <uapi/wait.h>

#define SHELL_PATH "/bin/sh"

extern char boot_stack_top[];
bool root_mounted;
static bool quiet; /* the command-line word quiet: only warnings and errors during boot */

/* Mounts the root filesystem that root= names (ram by default when there is a module, else ata). */
static void mount_root(void)
{
    char root[16];
    if (!boot_option("root", root, sizeof root))
        strncpy_safe(root, boot_info.module_count > 0 ? "ram" : "ata", sizeof root);
    struct blockdev *dev = NULL;
    if (strcmp(root, "ram") == 0) {
        if (boot_info.module_count == 0) {
            kprintf("root: root=ram but the loader gave no module (QEMU: -initrd rootfs.img)\n");
            return;
        }
        struct boot_module *m = &boot_info.modules[0];
        if (m->end > DIRECT_MAP_LIMIT || m->end <= m->start) {
            kprintf("root: the module at 0x%x-0x%x is outside the kernel's direct map\n", m->start, m->end);
            return;
        }
        dev = ramdisk_init(phys_to_virt(m->start), m->end - m->start);
    } else if (strcmp(root, "ata") == 0) {
        dev = ata_init();
    } else {
        kprintf("root: unknown root=%s (use root=ram or root=ata)\n", root);
        return;
    }
    if (!dev) {
        kprintf("root: no %s device\n", root);
        return;
    }
    int r = fs_mount(dev);
    if (r < 0) {
        kprintf("root: cannot mount %s: error %d\n", dev->name, r);
        return;
    }
    root_mounted = true;
    if (!quiet)
        kprintf("root: %s mounted on / (%u sectors)\n", dev->name, dev->sectors);
}

/* Gives process 0 the console as fds 0, 1 and 2 (inherited by everything it spawns). */
static void open_console(void)
{
    struct file *con = file_console();
    if (!con)
        panic("kmain: no memory for the console file");
    struct proc *p = sched_current();
    p->fds[0] = con;
    p->fds[1] = file_dup(con);
    p->fds[2] = file_dup(con);
}

/* Runs /bin/sh, again whenever it exits; reaps every orphan meanwhile. */
static __attribute__((noreturn)) void run_shell(void)
{
    for (;;) {
        char *argv[] = { SHELL_PATH, NULL };
        int pid = proc_spawn(SHELL_PATH, 1, argv);
        if (pid < 0) {
            kprintf("kernel: cannot start %s: error %d%s\n", SHELL_PATH, pid,
                    root_mounted ? "" : " (no root filesystem: give the loader rootfs.img as a module, or use root=ata with a disk)");
            kprintf("kernel: nothing to run; halting\n");
            serial_flush();
            cli();
            for (;;)
                hlt();
        }
        int status;
        while (proc_wait(-1, &status) != pid)
            ;
        kprintf("kernel: %s ended (status 0x%x); starting it again\n", SHELL_PATH, status);
    }
}

void kmain(uint32_t magic, uint32_t mbi)
{
    serial_init();
    vga_init();
    console_init();
    boot_info_parse(magic, mbi);
    quiet = boot_flag("quiet");
    if (!quiet)
        kprintf("Kernelist booting; command line \"%s\"\n", boot_info.cmdline);
    char audit[8];
    nk_init(!(boot_option("audit", audit, sizeof audit) && strcmp(audit, "off") == 0)); /* the Nested Kernel first */
    cpu_init();
    gdt_init();
    double_fault_init(read_cr3());
    sched_init((uint32_t)boot_stack_top);
    idt_init();
    syscall_init();
    pic_init();
    uint32_t ram_top = frame_init();
    paging_init(ram_top);
    double_fault_init(kernel_aspace.pdpt_phys);
    tss_set_cr3(kernel_aspace.pdpt_phys);
    if (!quiet)
        kprintf("memory: %u KiB free of %u KiB usable, direct map to 0x%x\n", frame_free_count() * 4,
            frame_total_count() * 4, KERNEL_VMA + ram_top);
    pit_init();
    serial_enable_irq();
    keyboard_init();
    sti();
    cpu_report(quiet);
    mount_root();
    open_console();
    char spec[200];
    if (boot_option("demo", spec, sizeof spec) && strcmp(spec, "heartbleed") == 0)
        lotr_demo_heartbleed(); /* kernel/lotr/demo.c: the verdict table, then power off */
    else if (boot_option("bench", spec, sizeof spec) && strcmp(spec, "lotr") == 0)
        lotr_bench(); /* kernel/lotr/bench.c: the LOTRx86 measurements (tools/bench-lotr.ts), then power off */
    else if (boot_option("bench", spec, sizeof spec) && strcmp(spec, "nk") == 0)
        nk_bench(); /* core/nk_bench.c: the Nested Kernel's lmbench-style figures, then power off */
    if (boot_option("demo", spec, sizeof spec) && strcmp(spec, "rogue-driver") == 0) {
        rogue_enable();
        nk_demo_rogue_driver(); /* core/nk_tests.c: one line per attack, then power off */
    }
    if (boot_option("test", spec, sizeof spec)) {
        rogue_enable(); /* the nk_rogue_driver test runs the demo's exploit */
        ktest_main(spec);
    }
    run_shell();
}
