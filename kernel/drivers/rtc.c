/* The CMOS real-time clock (MC146818 registers through ports 0x70/0x71), read as UTC. */
#include <kernel/rtc.h>
#include <kernel/x86.h>
#include <kernel/lib.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define NMI_OFF 0x80

/* Reads CMOS register reg (keeping NMIs masked while the index is set). */
static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, NMI_OFF | reg);
    return inb(CMOS_DATA);
}

/* Reads the six time registers raw, after any update in progress has finished. */
static void read_raw(uint8_t r[6])
{
    for (int spin = 0; spin < 100000 && (cmos_read(0x0A) & 0x80); spin++)
        ;
    r[0] = cmos_read(0x00);
    r[1] = cmos_read(0x02);
    r[2] = cmos_read(0x04);
    r[3] = cmos_read(0x07);
    r[4] = cmos_read(0x08);
    r[5] = cmos_read(0x09);
}

/* BCD to binary. */
static unsigned bcd(uint8_t v) { return (v & 0x0F) + (v >> 4) * 10; }

void rtc_read(struct rtc_time *t)
{
    uint8_t a[6], b[6];
    read_raw(a);
    for (int tries = 0; tries < 5; tries++) { /* two equal reads: no update happened in between */
        read_raw(b);
        if (memcmp(a, b, 6) == 0)
            break;
        memcpy(a, b, 6);
    }
    uint8_t status_b = cmos_read(0x0B);
    bool binary = status_b & 0x04, h24 = status_b & 0x02;
    bool pm = (a[2] & 0x80) != 0;
    a[2] &= 0x7F;
    unsigned v[6];
    for (int i = 0; i < 6; i++)
        v[i] = binary ? a[i] : bcd(a[i]);
    if (!h24) {
        v[2] %= 12;
        if (pm)
            v[2] += 12;
    }
    t->second = v[0];
    t->minute = v[1];
    t->hour = v[2];
    t->day = v[3];
    t->month = v[4];
    t->year = 2000 + v[5]; /* the two-digit year; the century register is not standard */
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static uint32_t days_since_epoch(unsigned year, unsigned month, unsigned day)
{
    static const uint16_t before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    uint32_t days = 0;
    for (unsigned y = 1970; y < year; y++)
        days += ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 366 : 365;
    if (month >= 1 && month <= 12)
        days += before_month[month - 1];
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (leap && month > 2)
        days++;
    return days + (day >= 1 ? day - 1 : 0);
}

uint32_t rtc_to_unix(const struct rtc_time *t)
{
    return days_since_epoch(t->year, t->month, t->day) * 86400u + t->hour * 3600u + t->minute * 60u + t->second;
}

uint32_t rtc_unix_time(void)
{
    struct rtc_time t;
    rtc_read(&t);
    return rtc_to_unix(&t);
}
