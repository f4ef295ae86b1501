/* Serial console on COM1 (16550 UART, polled: wait for LSR.THRE, bit 5, before each byte) and a small printf. */
#include <stdarg.h>
#include "guest.h"

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts */
    outb(COM1 + 3, 0x80); /* LCR: DLAB */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0x00); /* FCR: FIFOs off (16450 mode), so that each received byte waits in RBR */
    outb(COM1 + 4, 0x03); /* MCR: DTR, RTS */
}

void serial_putc(char c)
{
    for (u32 tries = 0; tries < 1000000 && !(inb(COM1 + 5) & 0x20); tries++)
        ;
    outb(COM1, (u8)c);
}

void puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void put_unsigned(u32 v, u32 base, int width, char pad, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[12];
    int n = 0;
    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    while (n < width--)
        serial_putc(pad);
    while (n)
        serial_putc(buf[--n]);
}

void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = (int)strlen(s);
            while (len < width--)
                serial_putc(' ');
            puts(s);
            break;
        }
        case 'c':
            serial_putc((char)va_arg(ap, int));
            break;
        case 'd': {
            s32 v = va_arg(ap, s32);
            if (v < 0) {
                serial_putc('-');
                put_unsigned(0u - (u32)v, 10, width ? width - 1 : 0, pad, 0);
            } else {
                put_unsigned((u32)v, 10, width, pad, 0);
            }
            break;
        }
        case 'u':
            put_unsigned(va_arg(ap, u32), 10, width, pad, 0);
            break;
        case 'x':
        case 'X':
            put_unsigned(va_arg(ap, u32), 16, width, pad, *fmt == 'X');
            break;
        case '%':
            serial_putc('%');
            break;
        default:
            serial_putc('?');
            break;
        }
    }
    va_end(ap);
}

/* Status flags as letters in the order O S Z A P C: upper case set, '-' clear, '.' not defined here. */
const char *flags_str(u32 eflags, u32 defined)
{
    static char buf[7];
    static const u32 bits[6] = { EFLAGS_OF, EFLAGS_SF, EFLAGS_ZF, EFLAGS_AF, EFLAGS_PF, EFLAGS_CF };
    static const char names[6] = { 'O', 'S', 'Z', 'A', 'P', 'C' };
    for (int i = 0; i < 6; i++)
        buf[i] = !(defined & bits[i]) ? '.' : (eflags & bits[i]) ? names[i] : '-';
    buf[6] = 0;
    return buf;
}
