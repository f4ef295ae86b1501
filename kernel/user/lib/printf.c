/* The printf family: one formatter writing through a sink, which is either a caller's buffer
 * (snprintf) or a small buffer flushed to a file descriptor. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <kernelist.h>
#include <errno.h>

static FILE files[3] = { { 0 }, { 1 }, { 2 } };
FILE *stdin = &files[0];
FILE *stdout = &files[1];
FILE *stderr = &files[2];

struct sink {
    char *buf;       /* where bytes go */
    size_t cap;      /* bytes buf can hold */
    size_t used;     /* bytes in buf now */
    int fd;          /* -1: a string sink; otherwise flush buf to fd when full */
    int total;       /* bytes produced so far, as printf returns */
    int failed;      /* a write failed */
};

/* Writes the buffered bytes of an fd sink. */
static void sink_flush(struct sink *s)
{
    if (s->fd >= 0 && s->used > 0) {
        if (write_all(s->fd, s->buf, s->used) < 0)
            s->failed = 1;
        s->used = 0;
    }
}

/* Appends one byte; a string sink keeps the last byte free for the NUL. */
static void sink_put(struct sink *s, char c)
{
    s->total++;
    if (s->fd >= 0) {
        if (s->used == s->cap)
            sink_flush(s);
        s->buf[s->used++] = c;
    } else if (s->used + 1 < s->cap) {
        s->buf[s->used++] = c;
    }
}

static void sink_repeat(struct sink *s, char c, int n)
{
    while (n-- > 0)
        sink_put(s, c);
}

struct spec {
    int left, zero, plus, space, alt;
    int width;
    int precision;   /* -1 when none */
};

/* Emits the digits of v in base, with sign/prefix, precision and padding from sp. */
static void put_number(struct sink *s, const struct spec *sp, unsigned long v, unsigned base,
                       int upper, const char *prefix)
{
    char digits[32];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v);
    if (sp->precision == 0 && n == 1 && digits[0] == '0')
        n = 0;
    int zeros = sp->precision > n ? sp->precision - n : 0;
    int plen = (int)strlen(prefix);
    int pad = sp->width - n - zeros - plen;
    if (sp->zero && !sp->left && sp->precision < 0) {
        zeros += pad > 0 ? pad : 0;
        pad = 0;
    }
    if (!sp->left)
        sink_repeat(s, ' ', pad);
    for (int i = 0; i < plen; i++)
        sink_put(s, prefix[i]);
    sink_repeat(s, '0', zeros);
    while (n > 0)
        sink_put(s, digits[--n]);
    if (sp->left)
        sink_repeat(s, ' ', pad);
}

/* Emits up to precision bytes of str, padded to the width. */
static void put_string(struct sink *s, const struct spec *sp, const char *str)
{
    if (!str)
        str = "(null)";
    int n = (int)(sp->precision >= 0 ? strnlen(str, (size_t)sp->precision) : strlen(str));
    if (!sp->left)
        sink_repeat(s, ' ', sp->width - n);
    for (int i = 0; i < n; i++)
        sink_put(s, str[i]);
    if (sp->left)
        sink_repeat(s, ' ', sp->width - n);
}

/* Reads flags, width and precision at *fmt (after the '%'). */
static void parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
    const char *f = *fmt;
    memset(sp, 0, sizeof *sp);
    sp->precision = -1;
    for (;; f++) {
        if (*f == '-') sp->left = 1;
        else if (*f == '0') sp->zero = 1;
        else if (*f == '+') sp->plus = 1;
        else if (*f == ' ') sp->space = 1;
        else if (*f == '#') sp->alt = 1;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = 1;
            sp->width = -sp->width;
        }
        f++;
    } else {
        while (*f >= '0' && *f <= '9')
            sp->width = sp->width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                sp->precision = sp->precision * 10 + (*f++ - '0');
        }
    }
    while (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't')
        f++; /* every integer is 32 bits wide */
    *fmt = f;
}

/* Formats fmt with ap into s. */
static void format(struct sink *s, const char *fmt, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            sink_put(s, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp;
        parse_spec(&fmt, &sp, &args);
        char conv = *fmt;
        if (conv)
            fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int v = va_arg(args, int);
            unsigned long mag = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
            const char *sign = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
            put_number(s, &sp, mag, 10, 0, sign);
            break;
        }
        case 'u':
            put_number(s, &sp, va_arg(args, unsigned), 10, 0, "");
            break;
        case 'x':
        case 'X': {
            unsigned v = va_arg(args, unsigned);
            put_number(s, &sp, v, 16, conv == 'X', sp.alt && v ? (conv == 'X' ? "0X" : "0x") : "");
            break;
        }
        case 'o':
            put_number(s, &sp, va_arg(args, unsigned), 8, 0, sp.alt ? "0" : "");
            break;
        case 'p':
            sp.precision = 8;
            put_number(s, &sp, (unsigned long)va_arg(args, void *), 16, 0, "0x");
            break;
        case 's':
            put_string(s, &sp, va_arg(args, const char *));
            break;
        case 'c': {
            char one[2] = { (char)va_arg(args, int), 0 };
            sp.precision = 1;
            if (one[0] == 0) { /* %c of NUL still emits one byte */
                sink_repeat(s, ' ', sp.left ? 0 : sp.width - 1);
                sink_put(s, 0);
                sink_repeat(s, ' ', sp.left ? sp.width - 1 : 0);
            } else {
                put_string(s, &sp, one);
            }
            break;
        }
        case '%':
            sink_put(s, '%');
            break;
        case 0:
            sink_put(s, '%');
            break;
        default: /* unknown conversion: print it as written */
            sink_put(s, '%');
            sink_put(s, conv);
            break;
        }
    }
    va_end(args);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { buf, size, 0, -1, 0, 0 };
    format(&s, fmt, ap);
    if (size > 0)
        buf[s.used] = 0;
    return s.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    char buf[256];
    struct sink s = { buf, sizeof buf, 0, fd, 0, 0 };
    format(&s, fmt, ap);
    sink_flush(&s);
    return s.failed ? -1 : s.total;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap) { return vdprintf(f->fd, fmt, ap); }
int vprintf(const char *fmt, va_list ap) { return vdprintf(1, fmt, ap); }

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(f->fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char *s, FILE *f) { return write_all(f->fd, s, strlen(s)) < 0 ? EOF : 0; }
int puts(const char *s) { return dprintf(1, "%s\n", s) < 0 ? EOF : 0; }

int fputc(int c, FILE *f)
{
    unsigned char b = (unsigned char)c;
    return write_all(f->fd, &b, 1) < 0 ? EOF : b;
}

int putchar(int c) { return fputc(c, stdout); }

int rename(const char *from, const char *to)
{
    int r = sys_rename(from, to);
    if (KL_IS_ERR(r)) {
        errno = -r;
        return -1;
    }
    return 0;
}
