/* metrics.c: counters and the request-duration histogram in per-thread shards of relaxed
 * atomics, summed only when scraped; the Prometheus text exposition (format 0.0.4). */
#include "iasc/metrics.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* OpenTelemetry's advisory bounds for http.server.request.duration, in seconds. */
static const double BOUNDS[] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                0.5,   0.75, 1,     2.5,  5,     7.5, 10};
#define NBOUNDS  (sizeof BOUNDS / sizeof BOUNDS[0])
#define NBUCKETS (NBOUNDS + 1) /* the last is +Inf */

/* Shards: a thread takes one on its first record (round robin); threads beyond the count
 * share, which atomics keep correct. Slots: distinct (route, method, status) per shard. */
#define NSHARDS 8
#define NSLOTS  512

static const char *const METHOD_NAMES[METRIC_METHODS] = {"GET",   "HEAD",   "POST",    "PUT",
                                                         "PATCH", "DELETE", "OPTIONS", "_OTHER"};

/* One histogram series: key 0 is a free slot, else 1 + packed (route, method, status). */
struct series {
  _Atomic uint32_t key;
  _Atomic uint64_t buckets[NBUCKETS]; /* per bucket, not cumulative */
  _Atomic uint64_t count;
  _Atomic uint64_t sum_ns;
};

struct shard {
  _Atomic uint64_t counters[METRIC_COUNTERS];
  _Atomic uint64_t dropped;
  struct series slots[NSLOTS];
};

static struct shard *shards;
static const char *const *route_names;
static size_t nroutes;
static char *build_version;
static _Atomic(metrics_source_fn) source;
static atomic_uint next_shard;
static _Thread_local struct shard *mine;
static _Thread_local const struct shard *mine_of; /* the registry mine belongs to */
static time_t started;

int metrics_init(const char *const *templates, size_t ntemplates, const char *version) {
  shards = calloc(NSHARDS, sizeof *shards);
  build_version = strdup(version);
  if (shards == NULL || build_version == NULL || ntemplates > 255) {
    metrics_shutdown();
    return -1;
  }
  route_names = templates;
  nroutes = ntemplates;
  started = time(NULL);
  return 0;
}

void metrics_shutdown(void) {
  free(shards);
  free(build_version);
  shards = NULL;
  build_version = NULL;
  nroutes = 0;
}

void metrics_set_source(metrics_source_fn fn) {
  atomic_store(&source, fn);
}

/* This thread's shard (NULL before metrics_init). */
static struct shard *shard(void) {
  if (shards == NULL)
    return NULL;
  if (mine_of != shards) { /* first use, or a registry made anew */
    mine = &shards[atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % NSHARDS];
    mine_of = shards;
  }
  return mine;
}

void metrics_count(enum metric_counter c) {
  struct shard *s = shard();
  if (s != NULL && c < METRIC_COUNTERS)
    atomic_fetch_add_explicit(&s->counters[c], 1, memory_order_relaxed);
}

uint64_t metrics_counter_total(enum metric_counter c) {
  uint64_t n = 0;
  for (size_t i = 0; shards != NULL && i < NSHARDS; i++)
    n += atomic_load_explicit(&shards[i].counters[c], memory_order_relaxed);
  return n;
}

enum metric_method metrics_method(const char *m) {
  for (int i = 0; i < METHOD_OTHER; i++)
    if (strcmp(m, METHOD_NAMES[i]) == 0)
      return (enum metric_method)i;
  return METHOD_OTHER;
}

/* The slot of key in s: found, or claimed; NULL when the shard is full. */
static struct series *slot_for(struct shard *s, uint32_t key) {
  uint32_t h = key * 2654435761u;
  for (uint32_t i = 0; i < NSLOTS; i++) {
    struct series *x = &s->slots[(h + i) & (NSLOTS - 1)];
    uint32_t k = atomic_load_explicit(&x->key, memory_order_acquire);
    if (k == key)
      return x;
    if (k == 0) {
      uint32_t expected = 0;
      if (atomic_compare_exchange_strong(&x->key, &expected, key) || expected == key)
        return x;
    }
  }
  return NULL;
}

void metrics_observe(int route, enum metric_method method, int status, uint64_t ns) {
  struct shard *s = shard();
  if (s == NULL)
    return;
  uint32_t r = route >= 0 && (size_t)route < nroutes ? (uint32_t)route + 1 : 0;
  uint32_t st = status >= 100 && status <= 999 ? (uint32_t)status : 0;
  uint32_t key = 1 + ((r << 14) | ((uint32_t)method << 10) | st);
  struct series *x = slot_for(s, key);
  if (x == NULL) {
    atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
    return;
  }
  size_t b = 0;
  while (b < NBOUNDS && (double)ns > BOUNDS[b] * 1e9)
    b++;
  atomic_fetch_add_explicit(&x->buckets[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&x->count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&x->sum_ns, ns, memory_order_relaxed);
}

/* ---------------------------------------------------------------- exposition */

void metrics_family(struct buf *out, const char *name, const char *type, const char *help) {
  buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped. */
static void label_value(struct buf *out, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"')
      buf_printf(out, "\\%c", *v);
    else if (*v == '\n')
      buf_puts(out, "\\n");
    else
      buf_append(out, v, 1);
  }
}

/* One histogram series summed over the shards. */
struct total {
  uint32_t key;
  uint64_t buckets[NBUCKETS], count, sum_ns;
};

static int by_key(const void *a, const void *b) {
  uint32_t x = ((const struct total *)a)->key, y = ((const struct total *)b)->key;
  return x < y ? -1 : x > y;
}

/* Every series of every shard, merged by key and sorted; *n of them (malloc'd). */
static struct total *totals(size_t *n) {
  struct total *t = calloc((size_t)NSHARDS * NSLOTS, sizeof *t);
  size_t m = 0;
  for (size_t i = 0; t != NULL && i < NSHARDS; i++)
    for (size_t j = 0; j < NSLOTS; j++) {
      struct series *x = &shards[i].slots[j];
      uint32_t key = atomic_load_explicit(&x->key, memory_order_acquire);
      if (key == 0)
        continue;
      t[m].key = key;
      for (size_t b = 0; b < NBUCKETS; b++)
        t[m].buckets[b] = atomic_load_explicit(&x->buckets[b], memory_order_relaxed);
      t[m].count = atomic_load_explicit(&x->count, memory_order_relaxed);
      t[m].sum_ns = atomic_load_explicit(&x->sum_ns, memory_order_relaxed);
      m++;
    }
  if (t != NULL)
    qsort(t, m, sizeof *t, by_key);
  size_t w = 0;
  for (size_t i = 0; i < m; i++) {
    if (w > 0 && t[w - 1].key == t[i].key) {
      for (size_t b = 0; b < NBUCKETS; b++)
        t[w - 1].buckets[b] += t[i].buckets[b];
      t[w - 1].count += t[i].count;
      t[w - 1].sum_ns += t[i].sum_ns;
    } else {
      t[w++] = t[i];
    }
  }
  *n = w;
  return t;
}

/* The labels of a series key: method, route (template), status_code. */
static void series_labels(struct buf *out, uint32_t key) {
  uint32_t k = key - 1, r = k >> 14, m = (k >> 10) & 15, st = k & 1023;
  buf_printf(out, "method=\"%s\",route=\"", METHOD_NAMES[m < METRIC_METHODS ? m : METHOD_OTHER]);
  label_value(out, r == 0 ? "unmatched" : route_names[r - 1]);
  buf_printf(out, "\",status_code=\"%u\"", st);
}

static void write_histogram(struct buf *out) {
  const char *name = "http_server_request_duration_seconds";
  metrics_family(
      out, name, "histogram",
      "Duration of HTTP server requests, from the request line to the answer handed to the "
      "socket.");
  size_t n = 0;
  struct total *t = totals(&n);
  for (size_t i = 0; i < n; i++) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < NBUCKETS; b++) {
      cumulative += t[i].buckets[b];
      buf_printf(out, "%s_bucket{", name);
      series_labels(out, t[i].key);
      if (b < NBOUNDS)
        buf_printf(out, ",le=\"%g\"} %llu\n", BOUNDS[b], (unsigned long long)cumulative);
      else
        buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
    }
    buf_printf(out, "%s_sum{", name);
    series_labels(out, t[i].key);
    buf_printf(out, "} %.9f\n%s_count{", (double)t[i].sum_ns / 1e9, name);
    series_labels(out, t[i].key);
    buf_printf(out, "} %llu\n", (unsigned long long)t[i].count);
  }
  free(t);
}

static unsigned long long total(enum metric_counter c) {
  return (unsigned long long)metrics_counter_total(c);
}

static void write_counters(struct buf *out) {
  unsigned long long dropped = 0;
  for (size_t i = 0; i < NSHARDS; i++)
    dropped += atomic_load_explicit(&shards[i].dropped, memory_order_relaxed);
  metrics_family(out, "iasc_db_pool_errors_total", "counter",
                 "Database statements that failed: the database out of reach or too slow "
                 "(unavailable), or another error (query).");
  buf_printf(out, "iasc_db_pool_errors_total{kind=\"unavailable\"} %llu\n",
             total(METRIC_DB_UNAVAILABLE));
  buf_printf(out, "iasc_db_pool_errors_total{kind=\"query\"} %llu\n", total(METRIC_DB_FAILED));
  metrics_family(
      out, "iasc_db_pool_queue_timeouts_total", "counter",
      "Requests answered 503 after waiting longer than IASC_QUEUE_TIMEOUT_MS for a worker.");
  buf_printf(out, "iasc_db_pool_queue_timeouts_total %llu\n", total(METRIC_QUEUE_TIMEOUTS));
  metrics_family(out, "iasc_cache_invalidations_total", "counter",
                 "Times the response cache was dropped: another writer's change heard through "
                 "NOTIFY, or a write of this process.");
  buf_printf(out, "iasc_cache_invalidations_total{source=\"notify\"} %llu\n",
             total(METRIC_INVALIDATIONS_NOTIFY));
  buf_printf(out, "iasc_cache_invalidations_total{source=\"write\"} %llu\n",
             total(METRIC_INVALIDATIONS_WRITE));
  metrics_family(out, "iasc_rate_limit_rejections_total", "counter",
                 "Requests refused with 429, by the limit they were over.");
  buf_printf(out, "iasc_rate_limit_rejections_total{limit=\"address\"} %llu\n",
             total(METRIC_RATE_LIMITED_ADDRESS));
  buf_printf(out, "iasc_rate_limit_rejections_total{limit=\"token\"} %llu\n",
             total(METRIC_RATE_LIMITED_TOKEN));
  buf_printf(out, "iasc_rate_limit_rejections_total{limit=\"auth\"} %llu\n",
             total(METRIC_RATE_LIMITED_AUTH));
  metrics_family(out, "iasc_webhook_deliveries_total", "counter",
                 "Webhook delivery attempts by outcome (no series until webhooks exist).");
  metrics_family(out, "iasc_metrics_series_dropped_total", "counter",
                 "Requests not recorded in the duration histogram for want of room (should be 0).");
  buf_printf(out, "iasc_metrics_series_dropped_total %llu\n", dropped);
}

/* process_* as Prometheus' client libraries report them, from /proc/self. */
static void write_process(struct buf *out) {
  long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  unsigned long utime = 0, stime = 0, vsize = 0;
  long rss = 0;
  FILE *f = fopen("/proc/self/stat", "r");
  if (f != NULL) {
    char line[1024];
    char *p = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (p == NULL || sscanf(p + 2,
                            "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                            "%*d %*d %*u %lu %ld",
                            &utime, &stime, &vsize, &rss) != 4)
      utime = stime = vsize = 0, rss = 0;
    fclose(f);
  }
  size_t fds = 0;
  DIR *d = opendir("/proc/self/fd");
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
    fds += e->d_name[0] != '.';
  if (d != NULL)
    closedir(d);
  struct rlimit lim = {0};
  getrlimit(RLIMIT_NOFILE, &lim);
  metrics_family(out, "process_cpu_seconds_total", "counter",
                 "User and system CPU time spent, seconds.");
  buf_printf(out, "process_cpu_seconds_total %.2f\n", (double)(utime + stime) / (double)tick);
  metrics_family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  buf_printf(out, "process_resident_memory_bytes %ld\n", rss * page);
  metrics_family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  buf_printf(out, "process_virtual_memory_bytes %lu\n", vsize);
  metrics_family(out, "process_open_fds", "gauge",
                 "Open file descriptors (the one reading them too).");
  buf_printf(out, "process_open_fds %zu\n", fds > 0 ? fds - 1 : 0);
  metrics_family(out, "process_max_fds", "gauge", "The limit on open file descriptors.");
  buf_printf(out, "process_max_fds %llu\n", (unsigned long long)lim.rlim_cur);
  metrics_family(out, "process_start_time_seconds", "gauge",
                 "Start time since the epoch, seconds.");
  buf_printf(out, "process_start_time_seconds %lld\n", (long long)started);
}

void metrics_write(struct buf *out) {
  if (shards == NULL)
    return;
  metrics_family(out, "iasc_build_info", "gauge",
                 "The build: always 1, with its version as a label.");
  buf_puts(out, "iasc_build_info{version=\"");
  label_value(out, build_version);
  buf_puts(out, "\"} 1\n");
  write_histogram(out);
  write_counters(out);
  metrics_source_fn fn = atomic_load(&source);
  if (fn != NULL)
    fn(out);
  write_process(out);
}
