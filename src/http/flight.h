/* flight.h: one database read for a burst of identical public GETs that miss the cache.
 *
 * When a cached answer expires (or a write invalidates it) under load, or when there is no
 * cache at all, every request for it would otherwise miss at once and run the same query:
 * the thundering herd of a report launch. Instead the first request that misses leads a
 * "flight" for its cache key; the others that miss the same key with the same cache
 * generation wait for the leader and take its answer. Requests of a newer generation (after a
 * write) never join an older flight, so the answer is never older than the request.
 *
 * Thread-safety: every function is safe from any number of threads. */
#ifndef IASC_FLIGHT_H
#define IASC_FLIGHT_H

#include <stdint.h>

#include "cache.h"

struct flight;

/* Ended flights that keep their answer at most (the newest). */
#define FLIGHT_LINGER_MAX 32

/* How long an ended flight keeps its answer for identical requests that arrived while it
 * flew but reached a worker after it ended (the workers' queue timeout); 0 at first. */
void flight_configure(unsigned linger_ms);

/* For a request that missed the cache on key, with the generation it read before anything
 * else and the time it arrived (CLOCK_MONOTONIC microseconds). Returns a flight when the
 * caller leads (it computes the answer, then calls flight_end), or NULL after joining an
 * identical flight: in progress (waiting for it at most timeout_ms), or ended after the
 * request arrived. *answer is then the leader's answer, a reference the caller releases, or
 * NULL when the leader had none to share or the wait timed out (the caller computes its own).
 * Also NULL with no answer, without waiting, when out of memory. */
struct flight *flight_begin(const char *key, uint64_t generation, long long arrived_us,
                            unsigned timeout_ms, struct cache_entry **answer);

/* Ends a flight with the leader's answer for its waiters and late joiners (NULL: none, e.g.
 * an error; the flight takes its own reference): wakes them. A NULL flight is ignored. */
void flight_end(struct flight *f, struct cache_entry *answer);

/* Frees every lingering flight (at shutdown, when none is in progress). */
void flight_shutdown(void);

#endif
