/* Byte and string functions (lib/string.c), with the C standard's contracts. */
#ifndef KL_USER_STRING_H
#define KL_USER_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int byte, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int byte, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strdup(const char *s);                       /* malloc'd copy, or NULL */
size_t strlcpy(char *dst, const char *src, size_t size); /* always NUL-terminates when size > 0 */
char *strerror(int number);                        /* lib/errno.c */
const char *errno_name(int number);                /* "ENOENT"; not standard */

#endif
