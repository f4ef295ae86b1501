/* kprintf and panic: formatted output to every console (serial and VGA). */
#include <kernel/lib.h>
#include <kernel/console.h>
#include <kernel/x86.h>

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    console_write_kernel(buf, (size_t)n);
}

void panic(const char *why)
{
    cli();
    console_panic_mode();
    kprintf("panic: %s\n", why);
    for (;;)
        hlt();
}
