/* clock.h: the monotonic clock in milliseconds, for deadlines and waits (never the wall
 * clock, which may step). */
#ifndef IASC_CLOCK_H
#define IASC_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. Thread-safe. */
long long clock_now_ms(void);
/* Microseconds on CLOCK_MONOTONIC, for ordering events closer than a millisecond. */
long long clock_now_us(void);

#endif
