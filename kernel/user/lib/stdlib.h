/* Memory, conversions and process exit (lib/malloc.c, lib/strtol.c, lib/exit.c). */
#ifndef KL_USER_STDLIB_H
#define KL_USER_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* malloc/calloc/realloc return NULL with errno ENOMEM once sbrk() can grow the heap no more. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t size);
/* free(NULL) does nothing; a pointer malloc did not give ends the program with a message. */
void free(void *p);

__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void); /* exits with status 134 after a message */

/* strtol/strtoul: base 0 (0x.. hex, 0.. octal, else decimal) or 2..36; ERANGE on overflow. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
int abs(int x);

#endif
