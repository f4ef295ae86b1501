/* Freestanding C helpers every kernel file may use (implemented in kernel/lib/). */
#ifndef KERNELIST_LIB_H
#define KERNELIST_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int byte, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_safe(char *dst, const char *src, size_t size); /* always NUL-terminates; size > 0 */

/* printf subset: %d %i %u %x %X %p %s %c %%, with width, '0' and '-' flags and the 'l' modifier. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes to every console (serial and VGA). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stops the machine after printing "panic: <why>"; why is "function: reason". */
__attribute__((noreturn)) void panic(const char *why);
#define KASSERT(cond, why) do { if (!(cond)) panic(why); } while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))

#endif
