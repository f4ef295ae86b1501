/* kvsnprintf/ksnprintf: the printf subset lib.h describes. */
#include <kernel/lib.h>

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters the full output needs */
};

/* Appends one character, keeping room for the NUL. */
static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* Appends s padded to width (left-aligned when left, padding with pad). */
static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left && pad == '0' && n > 0 && s[0] == '-') { /* the sign goes before zero padding */
        put(o, '-');
        s++;
        n--;
    }
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

/* Writes v in base into tmp (backwards from the end); returns the first digit. */
static char *digits(char *end, uint32_t v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = set[v % base];
        v /= base;
    } while (v);
    return p;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        char tmp[16];
        char *end = tmp + sizeof tmp;
        char *s;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int32_t v = va_arg(ap, int32_t);
            s = digits(end, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, false);
            if (v < 0)
                *--s = '-';
            put_padded(&o, s, end - s, width, left, pad);
            break;
        }
        case 'u':
            s = digits(end, va_arg(ap, uint32_t), 10, false);
            put_padded(&o, s, end - s, width, left, pad);
            break;
        case 'x':
        case 'X':
            s = digits(end, va_arg(ap, uint32_t), 16, *fmt == 'X');
            put_padded(&o, s, end - s, width, left, pad);
            break;
        case 'p':
            s = digits(end, (uint32_t)(uintptr_t)va_arg(ap, void *), 16, false);
            while (end - s < 8)
                *--s = '0';
            put(&o, '0');
            put(&o, 'x');
            put_padded(&o, s, end - s, width > 2 ? width - 2 : 0, left, pad);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            put_padded(&o, str, strlen(str), width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case 0:
            fmt--; /* a lone % at the end */
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
