/* The console (drivers/console.c): one device, input from serial and keyboard, output to both.
 * Input is cooked: characters echo, backspace edits, Enter ends a line, Ctrl-D at the start of a
 * line is end of file, Ctrl-C discards the line being typed. read() returns at most one line. */
#ifndef KERNELIST_CONSOLE_H
#define KERNELIST_CONSOLE_H

#include <stddef.h>

void console_init(void);
/* One character typed on serial or keyboard (called from interrupt handlers). */
void console_input(char c);
/* Writes n bytes to every console. */
void console_write(const char *buf, size_t n);
/* The same, for kernel messages (kprintf). */
void console_write_kernel(const char *buf, size_t n);
/* Blocks until a line (or end of file) is typed; copies up to n bytes of it. Returns the count,
 * 0 at end of file, or -EINTR when the reading process is killed. */
int console_read(char *buf, size_t n);
/* Makes output synchronous and safe from any context (panic). */
void console_panic_mode(void);

#endif
