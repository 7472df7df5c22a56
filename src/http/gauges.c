/* gauges.c: what the http layer reports to /metrics: requests in flight, the response
 * cache's counters and size, and the database workers (the pool). */
#include "gauges.h"

#include "cache.h"
#include "connection.h"
#include "iasc/metrics.h"
#include "ratelimit.h"
#include "workers.h"

static void gauge(struct buf *out, const char *name, const char *help, unsigned long long v) {
  metrics_family(out, name, "gauge", help);
  buf_printf(out, "%s %llu\n", name, v);
}

static void counter(struct buf *out, const char *name, const char *help, unsigned long long v) {
  metrics_family(out, name, "counter", help);
  buf_printf(out, "%s %llu\n", name, v);
}

void gauges_write(struct buf *out) {
  struct cache_stats cs;
  unsigned size, busy, waiting;
  cache_stats(&cs);
  workers_stats(&size, &busy, &waiting);
  gauge(out, "http_server_active_requests", "Requests received and not yet answered in full.",
        connection_in_flight());
  counter(out, "iasc_cache_hits_total", "Public GETs answered from the response cache.", cs.hits);
  counter(out, "iasc_cache_misses_total",
          "Public GETs the response cache could not answer (absent, expired or invalidated).",
          cs.misses);
  counter(out, "iasc_cache_evictions_total",
          "Cached answers pushed out to keep the cache within IASC_CACHE_BYTES.", cs.evictions);
  gauge(out, "iasc_cache_bytes", "Bytes the response cache holds now.", cs.bytes);
  gauge(out, "iasc_cache_max_bytes", "The response cache's bound (IASC_CACHE_BYTES).",
        cs.max_bytes);
  gauge(out, "iasc_cache_entries", "Answers the response cache holds now.", cs.entries);
  gauge(out, "iasc_db_pool_size", "Database workers, each with one PostgreSQL connection.", size);
  gauge(out, "iasc_db_pool_in_use", "Database workers running a request now.", busy);
  gauge(out, "iasc_db_pool_waiting", "Requests waiting for a free database worker.", waiting);
  gauge(out, "iasc_rate_limit_buckets",
        "Clients (addresses, tokens) the rate limiter holds a bucket for; bounded by "
        "IASC_RATE_CLIENTS.",
        ratelimit_entries());
}
