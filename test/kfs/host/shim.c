/* The kernel services kernel/fs/ uses (kernel/lib.h), provided on the host for testing the
 * filesystem code outside the kernel: libc gives memcpy and friends; this file gives the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <kernel/lib.h>

char *strncpy_safe(char *dst, const char *src, size_t size)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
    return dst;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Kernel console lines go to stderr, where the tests look for "kfs: corrupt image:". */
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void panic(const char *why)
{
    fprintf(stderr, "panic: %s\n", why);
    exit(99);
}
