/* The console: one device for fds 0-2. Output goes to COM1 (\n as \r\n) and the VGA screen; input from
 * COM1 and the PS/2 keyboard is edited a line at a time here (see console.h). */
#include <kernel/console.h>
#include <kernel/serial.h>
#include <kernel/vga.h>
#include <kernel/sched.h>
#include <kernel/lib.h>
#include <kernel/x86.h>
#include <uapi/errno.h>

#define LINE_MAX 256
#define COOKED_SIZE 4096u /* a power of two */

static char line[LINE_MAX];     /* the line being typed */
static size_t line_len;
static char cooked[COOKED_SIZE]; /* finished lines, waiting for read() */
static uint32_t cooked_head, cooked_tail;
static unsigned eof_pending;     /* Ctrl-D presses on an empty line not yet read */
static bool last_was_cr;         /* to take \r\n as one Enter */
static int console_waiters;      /* the wait channel of readers */

void console_init(void)
{
    line_len = 0;
    cooked_head = cooked_tail = 0;
    eof_pending = 0;
}

/* Sends one byte to both screens (atomically, as echo from interrupt handlers interleaves with it). */
static void put_both(char c)
{
    uint32_t f = irq_save();
    if (c == '\n')
        serial_putc('\r');
    serial_putc(c);
    vga_putc(c);
    irq_restore(f);
}

void console_write(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_both(buf[i]);
}

void console_write_kernel(const char *buf, size_t n)
{
    console_write(buf, n);
}

void console_panic_mode(void)
{
    serial_panic_mode();
}

/* Moves the typed line (and its newline) into the cooked buffer and wakes readers. */
static void finish_line(bool newline)
{
    for (size_t i = 0; i < line_len && cooked_head - cooked_tail < COOKED_SIZE; i++)
        cooked[cooked_head++ % COOKED_SIZE] = line[i];
    if (newline && cooked_head - cooked_tail < COOKED_SIZE)
        cooked[cooked_head++ % COOKED_SIZE] = '\n';
    line_len = 0;
    sched_wakeup(&console_waiters);
}

void console_input(char c)
{
    uint32_t f = irq_save();
    if (c == '\n' && last_was_cr) {
        last_was_cr = false;
        irq_restore(f);
        return;
    }
    last_was_cr = (c == '\r');
    if (c == '\r' || c == '\n') {
        put_both('\n');
        finish_line(true);
    } else if (c == '\b' || c == 0x7F) {
        if (line_len > 0) {
            line_len--;
            console_write("\b \b", 3);
        }
    } else if (c == 0x04) { /* Ctrl-D */
        if (line_len == 0)
            eof_pending++;
        finish_line(false);
    } else if (c == 0x03) { /* Ctrl-C: drop the line */
        console_write("^C\n", 3);
        line_len = 0;
    } else if ((unsigned char)c >= 0x20 || c == '\t') {
        if (line_len < LINE_MAX - 1) {
            line[line_len++] = c;
            put_both(c);
        }
    }
    irq_restore(f);
}

int console_read(char *buf, size_t n)
{
    uint32_t f = irq_save();
    for (;;) {
        if (cooked_head != cooked_tail) {
            size_t got = 0;
            while (got < n && cooked_head != cooked_tail) {
                char c = cooked[cooked_tail++ % COOKED_SIZE];
                buf[got++] = c;
                if (c == '\n')
                    break;
            }
            irq_restore(f);
            return (int)got;
        }
        if (eof_pending > 0) {
            eof_pending--;
            irq_restore(f);
            return 0;
        }
        if (sched_current_killed()) {
            irq_restore(f);
            return -EINTR;
        }
        sched_sleep_on(&console_waiters);
    }
}
