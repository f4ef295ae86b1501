/* Formatted output, a line reader and rename (lib/printf.c, lib/readline.c).
 * Output is unbuffered: each printf call formats into a small buffer and writes it at once, so output
 * interleaves correctly with child processes that share the descriptor.
 * Formats: %d %i %u %x %X %o %p %s %c %%, flags - 0 + space #, width and precision (also *),
 * length modifiers h hh l z (all 32-bit). */
#ifndef KL_USER_STDIO_H
#define KL_USER_STDIO_H

#include <stddef.h>
#include <stdarg.h>

typedef struct kl_file {
    int fd;
} FILE;

extern FILE *stdin, *stdout, *stderr;

#define EOF (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int vdprintf(int fd, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);           /* s and a newline to stdout */
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
int getchar(void);                 /* one byte from stdin, or EOF */

/* Reads one line from fd, a byte at a time (so nothing past the newline is consumed), into buf;
 * the newline is dropped, the line NUL-terminated and cut at size-1 bytes (the rest of a long line
 * is read and thrown away). Returns the line's length, or -1 at end of file with nothing read or on
 * a read error (errno says which; 0 means end of file). */
int readline(int fd, char *buf, int size);
/* fgets over readline: keeps the newline like the C standard; NULL at end of file. */
char *fgets(char *buf, int size, FILE *f);

void perror(const char *prefix);
int rename(const char *from, const char *to);

#endif
