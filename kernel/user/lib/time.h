/* time(): seconds since 1970-01-01 UTC, read by the kernel from the RTC. */
#ifndef KL_USER_TIME_H
#define KL_USER_TIME_H

typedef long time_t;

/* Returns the time, and stores it in *out too when out is not NULL. */
time_t time(time_t *out);

#endif
