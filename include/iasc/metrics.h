/* metrics.h: the process's metrics: counters any layer bumps, the HTTP request-duration
 * histogram, and their Prometheus text exposition (with the gauges a higher layer reports
 * through a source callback). Recording is a few relaxed atomic adds into the calling
 * thread's shard: never a lock, never an allocation. No label ever holds a client address,
 * a slug, a token or a query value: routes are reported by their template. */
#ifndef IASC_METRICS_H
#define IASC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "iasc/buf.h"

enum metric_counter {
  METRIC_DB_UNAVAILABLE,       /* a statement found the database out of reach or too slow */
  METRIC_DB_FAILED,            /* a statement failed for another reason */
  METRIC_QUEUE_TIMEOUTS,       /* a request waited too long for a database worker (503) */
  METRIC_INVALIDATIONS_NOTIFY, /* another writer's change heard through NOTIFY */
  METRIC_INVALIDATIONS_WRITE,  /* a write made by this process */
  METRIC_RATE_LIMITED_ADDRESS, /* 429: an anonymous client over its address's budget */
  METRIC_RATE_LIMITED_TOKEN,   /* 429: a token over its budget */
  METRIC_RATE_LIMITED_AUTH,    /* 429: an address over its failed-authentication budget */
  METRIC_COUNTERS
};

/* The HTTP methods the histogram tells apart; anything else is reported as _OTHER. */
enum metric_method {
  METHOD_GET,
  METHOD_HEAD,
  METHOD_POST,
  METHOD_PUT,
  METHOD_PATCH,
  METHOD_DELETE,
  METHOD_OPTIONS,
  METHOD_OTHER,
  METRIC_METHODS
};

/* Writes the gauges of a higher layer (cache, database workers...) in the text format. */
typedef void (*metrics_source_fn)(struct buf *out);

/* Prepares the registry: templates[i] is the route template reported for route index i
 * (NULL-free, static strings), version the build's version for iasc_build_info. Call once
 * before any thread records; 0, or -1 when out of memory. metrics_shutdown frees it. */
int metrics_init(const char *const *templates, size_t ntemplates, const char *version);
void metrics_shutdown(void);

/* Sets (or clears, with NULL) the callback that writes the higher layer's gauges. */
void metrics_set_source(metrics_source_fn fn);

void metrics_count(enum metric_counter c);
/* The total of a counter over every thread (for tests and the exposition). */
uint64_t metrics_counter_total(enum metric_counter c);

/* The method's index (case-sensitive, as HTTP methods are). */
enum metric_method metrics_method(const char *method);

/* Records one request: route index (or -1: no route matched the path), method, status and
 * its duration in nanoseconds. A combination beyond the registry's room is counted as
 * dropped instead. Safe from any thread; a no-op before metrics_init. */
void metrics_observe(int route, enum metric_method method, int status, uint64_t ns);

/* Appends a metric family's # HELP and # TYPE lines (for sources). */
void metrics_family(struct buf *out, const char *name, const char *type, const char *help);

/* Appends the whole exposition (text format 0.0.4) to out. */
void metrics_write(struct buf *out);

#endif
