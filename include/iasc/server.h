/* server.h: the HTTP server's life cycle. */
#ifndef IASC_SERVER_H
#define IASC_SERVER_H

#include "iasc/config.h"

/* Starts listening (the config must outlive the server). Returns 0, or -1 after logging. */
int server_start(const struct iasc_config *cfg);
/* Content changed somewhere (any instance): cached responses are no longer current.
 * Thread-safe. */
void server_content_changed(void);

/* The next instant (seconds since the epoch, 0: none) at which public answers change by
 * themselves (a scheduled publication, a rate's start or end): max-age is cut to it. From a
 * write of this process, as it committed. */
void server_next_change(long long epoch);
/* The same, learned by a query sent at asked_us (CLOCK_MONOTONIC microseconds): ignored when
 * a write of this process came since (the query's snapshot may predate it, and the write's
 * own value is newer; the next query, a second later, sees both). */
void server_next_change_learned(long long epoch, long long asked_us);

/* Stops accepting new connections, lets requests in flight finish (drain_seconds at most),
 * stops the database workers and the daemon, frees everything. */
void server_stop(unsigned drain_seconds);

#endif
