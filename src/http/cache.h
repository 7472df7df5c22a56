/* cache.h: the in-memory response cache for public GET answers, shared by every worker thread.
 *
 * Layout: a fixed number of shards, each a hash table plus an LRU list behind one mutex, so
 * a hit costs one hash, one short critical section and one atomic increment. Entries are
 * immutable once built and reference-counted: a reader keeps using an entry's bytes after the
 * lock is dropped, even while another thread evicts, replaces or invalidates it; the memory
 * goes when the last reference does.
 *
 * Freshness: every entry carries the cache generation read BEFORE its response was computed.
 * cache_invalidate_all() bumps the generation in O(1) and stale entries are dropped lazily
 * (on lookup, or as LRU victims); a put whose generation is no longer current is refused, so a
 * response computed before a write can never be stored as fresh after it.
 *
 * Thread-safety: cache_init and cache_shutdown must not run concurrently with anything else;
 * every other function is safe from any number of threads. With no cache initialised (or
 * max_bytes 0) lookups miss and inserts are refused, so callers need no special case. */
#ifndef IASC_CACHE_H
#define IASC_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conditional.h"
#include "iasc/handler.h"

/* Shards when cache_init is given 0: with max_bytes/8 per shard, the one-eighth entry limit
 * and the per-shard budget coincide. */
#define CACHE_DEFAULT_SHARDS 8
#define CACHE_MAX_SHARDS     1024

/* What a caller hands to cache_put / cache_entry_new; everything is copied. */
struct cache_item {
  int status;
  const char *content_type; /* NULL: none */
  const char *etag;         /* ETag of body, at most CONDITIONAL_ETAG_MAX - 1 characters (the
                               gzip tag needs 3 more); NULL: computed (conditional_etag_for) */
  time_t last_modified;     /* <= 0: unknown (no Last-Modified, If-Modified-Since ignored) */
  const char *link;         /* Link header value; NULL: none */
  const char *csp;          /* Content-Security-Policy value; NULL: the server's default */
  unsigned max_age;         /* for Cache-Control: public, max-age=N */
  int route;                /* the index of the route that answered (metrics), or -1 */
  const void *body;
  size_t body_len;
  const void *gzip; /* the body already gzip-coded, if the caller has it; NULL: compressed
                       here when body_len >= GZIP_MIN_BYTES */
  size_t gzip_len;
  bool no_gzip; /* true: do not compress here (an entry that serves one request whose client
                   does not take gzip); the entry then has no gzip body */
};

/* A cached response. Every field is immutable while the entry is referenced and may be read
 * without any lock; strings are NUL-terminated and so are both bodies. */
struct cache_entry {
  const char *key;
  int status;
  const char *content_type;             /* NULL: none */
  char etag[CONDITIONAL_ETAG_MAX];      /* of the identity body */
  char etag_gzip[CONDITIONAL_ETAG_MAX]; /* etag with -gz (conditional_etag_gzip), set even when
                                           gzip is NULL, for a body compressed on the fly;
                                           "" only if etag was too long to derive it */
  time_t last_modified;                 /* <= 0: unknown */
  const char *link;                     /* NULL: none */
  const char *csp;                      /* NULL: the server's default */
  unsigned max_age;
  int route; /* the index of the route that answered, or -1 */
  const char *body;
  size_t body_len;
  const char *gzip; /* NULL when the body is under GZIP_MIN_BYTES or did not shrink */
  size_t gzip_len;
  uint64_t generation;
  uint64_t expires_ns; /* CLOCK_MONOTONIC deadline */

  /* The cache's own bookkeeping: do not touch. */
  atomic_uint refs;
  atomic_bool inserted;
  size_t charge;
  uint64_t hash;
  struct cache_entry *hnext, *prev, *next;
};

struct cache_stats {
  uint64_t hits;
  uint64_t misses;    /* absent, expired or stale */
  uint64_t inserts;   /* entries stored */
  uint64_t rejected;  /* puts refused: old generation, too big, ttl <= 0, no cache */
  uint64_t evictions; /* entries pushed out to stay within the byte bound */
  size_t bytes;       /* charged bytes now held (entries, strings, bodies; not the buckets) */
  size_t entries;
  size_t max_bytes;
  size_t max_entry_bytes;
};

/* Creates the cache: at most max_bytes charged bytes over shards shards (0: the default;
 * rounded up to a power of two, at most CACHE_MAX_SHARDS). Each shard holds max_bytes/shards
 * and evicts its least recently used entries to stay within that, so the whole stays within
 * max_bytes; one entry may take at most min(max_bytes/8, max_bytes/shards). max_bytes 0
 * disables caching. Returns 0, or -1 when already initialised or out of memory. */
int cache_init(size_t max_bytes, unsigned shards);

/* Frees every entry not still referenced (those go at their last cache_release) and returns
 * the cache to the uninitialised state. */
void cache_shutdown(void);

/* The current generation: read it BEFORE computing a response (before any database read) and
 * pass it to cache_put / cache_entry_new. */
uint64_t cache_generation(void);

/* A reference to the fresh entry for key, or NULL when absent, expired or invalidated (the
 * latter two are dropped on the way). The caller must cache_release it. */
struct cache_entry *cache_get(const char *key);

/* Takes one more reference to e (released with cache_release). Returns e; NULL is ignored. */
struct cache_entry *cache_retain(struct cache_entry *e);

/* Drops a reference from cache_get or cache_entry_new. NULL is ignored. */
void cache_release(struct cache_entry *e);

/* Builds an entry from item without storing it: copies everything, computes the ETag if
 * item->etag is NULL, the gzip ETag, and the gzip body (compressed once here) when the body is
 * at least GZIP_MIN_BYTES and shrinks. The entry expires ttl_seconds from now. Returns a
 * reference the caller releases, or NULL when out of memory or key is NULL. Useful to serve a
 * response through the same code as a hit whether or not it ends up cached. */
struct cache_entry *cache_entry_new(const char *key, const struct cache_item *item,
                                    double ttl_seconds, uint64_t generation);

/* Stores e (the cache takes its own reference; the caller keeps its one). Refused (false) when
 * the generation moved on since e's, ttl was <= 0, e is bigger than the entry limit, e was
 * inserted before, or there is no cache. Replaces an entry with the same key; evicts least
 * recently used entries of the shard to stay within its budget. */
bool cache_insert(struct cache_entry *e);

/* Makes every entry stale, in O(1); puts computed before this call are refused afterwards. */
void cache_invalidate_all(void);

/* A snapshot of the counters (each shard is read under its lock; the sum is not atomic). */
void cache_stats(struct cache_stats *out);

/* The canonical cache key of a GET: the path percent-encoded (all but unreserved characters
 * and '/'), then, when nq > 0, '?' and the parameters sorted by name then value, each
 * percent-encoded, joined as name=value&..., so "?b=2&a=1" and "?a=1&b=2" share an entry; then,
 * when base_url is not NULL, '#' and base_url (bodies hold absolute URLs built from it, so a
 * different Host must not share an entry; '#' cannot occur earlier in the key). Returns a
 * malloc'd string the caller frees, or NULL when out of memory. */
char *cache_key(const char *base_url, const char *path, const struct query_param *q, size_t nq);

#endif
