/* background.h: the server's one background thread: it listens for content changes made by
 * any instance (PostgreSQL LISTEN iasc_changes) and, every second, records scheduled items
 * whose publication time has come (iasc_publish_due). */
#ifndef IASC_BACKGROUND_H
#define IASC_BACKGROUND_H

/* Called from the background thread after a change (or when changes may have been missed,
 * after a lost connection). Must be thread-safe and quick. */
typedef void (*background_change_fn)(void);

/* Called from the background thread every second with the next instant (seconds since the
 * epoch, 0: none) at which public answers change by themselves, as the database saw it when
 * asked at asked_us (CLOCK_MONOTONIC microseconds): a write of this process acknowledged
 * after that instant may not be in it. */
typedef void (*background_next_change_fn)(long long epoch, long long asked_us);

/* Starts the thread. Returns 0, or -1 after logging. */
int background_start(background_change_fn on_change, background_next_change_fn on_next);
/* Stops and joins the thread. */
void background_stop(void);

#endif
