/* flight.h: one database read for a burst of identical public GETs that miss the cache.
 *
 * When a cached answer expires (or a write invalidates it) under load, every request for it
 * would otherwise miss at once and run the same query: the thundering herd of a report launch.
 * Instead the first request that misses leads a "flight" for its cache key; the others that
 * miss the same key with the same cache generation wait for the leader to store its answer,
 * then read it from the cache. Requests of a newer generation (after a write) never join an
 * older flight, and a leader's answer computed before a write is refused by the cache, so a
 * waiting request then computes its own: the answer is never older than the request.
 *
 * Thread-safety: every function is safe from any number of threads. */
#ifndef IASC_FLIGHT_H
#define IASC_FLIGHT_H

#include <stdint.h>

struct flight;

/* For a request that missed the cache on key, with the generation it read before anything
 * else. Returns a flight when the caller leads (it computes the answer, offers it to the cache,
 * then calls flight_end), or NULL after waiting for the leader of an identical flight (at most
 * timeout_ms): the caller then looks in the cache again and, on a miss, computes the answer
 * alone. Also NULL, without waiting, when out of memory. */
struct flight *flight_begin(const char *key, uint64_t generation, unsigned timeout_ms);

/* Ends a flight: wakes its waiting requests. NULL is ignored. */
void flight_end(struct flight *f);

#endif
