/* The CMOS real-time clock (drivers/rtc.c). */
#ifndef KERNELIST_RTC_H
#define KERNELIST_RTC_H

#include <stdint.h>

struct rtc_time {
    unsigned year, month, day, hour, minute, second;
};

/* Reads the clock (waiting out an update in progress) in 24-hour binary form. */
void rtc_read(struct rtc_time *t);
/* Seconds since 1970-01-01 00:00 UTC for t (the CMOS clock is taken as UTC). */
uint32_t rtc_to_unix(const struct rtc_time *t);
/* rtc_to_unix of the current time. */
uint32_t rtc_unix_time(void);

#endif
