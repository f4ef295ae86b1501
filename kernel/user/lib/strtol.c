/* strtoul, strtol, atoi, abs. */
#include <stdlib.h>
#include <ctype.h>
#include <errno.h>

/* The value of digit c in base 36, or 99 for a non-digit. */
static int digit_value(int c)
{
    if (isdigit(c))
        return c - '0';
    if (islower(c))
        return c - 'a' + 10;
    if (isupper(c))
        return c - 'A' + 10;
    return 99;
}

/* Parses an unsigned magnitude after the sign; sets *overflow; *end to the first unused char. */
static unsigned long parse_magnitude(const char *s, const char **end, int base, int *overflow)
{
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit(s[2])) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }
    unsigned long value = 0;
    const char *start = s;
    *overflow = 0;
    for (; digit_value(*s) < base; s++) {
        unsigned long d = (unsigned long)digit_value(*s);
        if (value > (~0ul - d) / (unsigned long)base)
            *overflow = 1;
        value = value * (unsigned long)base + d;
    }
    *end = s == start ? NULL : s;
    return value;
}

/* Shared by strtol and strtoul: skips space, reads the sign, checks the base. */
static unsigned long parse(const char *s, char **end, int base, int *negative, int *overflow)
{
    const char *p = s;
    const char *stop;
    *negative = 0;
    *overflow = 0;
    if (base < 0 || base == 1 || base > 36) {
        errno = EINVAL;
        if (end)
            *end = (char *)s;
        return 0;
    }
    while (isspace(*p))
        p++;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    unsigned long value = parse_magnitude(p, &stop, base, overflow);
    if (end)
        *end = (char *)(stop ? stop : s);
    return stop ? value : 0;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    int negative, overflow;
    unsigned long value = parse(s, end, base, &negative, &overflow);
    if (overflow) {
        errno = ERANGE;
        return ~0ul;
    }
    return negative ? -value : value;
}

long strtol(const char *s, char **end, int base)
{
    int negative, overflow;
    unsigned long value = parse(s, end, base, &negative, &overflow);
    unsigned long limit = negative ? 0x80000000ul : 0x7ffffffful;
    if (overflow || value > limit) {
        errno = ERANGE;
        return negative ? (long)0x80000000ul : 0x7fffffffl;
    }
    return negative ? (long)(0 - value) : (long)value;
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }

int abs(int x) { return x < 0 ? -x : x; }
