/* Program start after boot.asm: serial and IDT set up, then the program's test_main; and test_exit,
 * which ends the run through QEMU's isa-debug-exit (port 0xF4) or, failing that, Bochs' shutdown port. */
#include "guest.h"

void lib_start(u32 magic, struct multiboot_info *mbi)
{
    serial_init();
    idt_init();
    pic_init(); /* a BIOS may have left the timer unmasked on vectors 0x08..: mask everything first */
    test_main(magic, mbi);
    test_exit(0);
}

void test_exit(u32 code)
{
    const char *bochs = "Shutdown";
    cli();
    /* let the last byte leave the transmitter (LSR bit 6), bounded for a UART without LSR */
    for (u32 tries = 0; tries < 1000000 && !(inb(0x3fd) & 0x40); tries++)
        ;
    outb(0xf4, (u8)code);
    while (*bochs)
        outb(0x8900, (u8)*bochs++);
    for (;;)
        __asm__ volatile("cli; hlt");
}
