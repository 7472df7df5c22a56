/* cache.c: the sharded, reference-counted, generation-checked response cache. */
#include "cache.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/buf.h"
#include "gzip.h"

/* The longest TTL honoured (a guard against overflow, not a policy): about 31 years. */
#define MAX_TTL_SECONDS 1e9
#define FIRST_BUCKETS   16

struct shard {
  alignas(64) pthread_mutex_t lock; /* one cache line per shard: no false sharing */
  struct cache_entry **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
  size_t bytes;
  struct cache_entry *head, *tail; /* most .. least recently used */
  uint64_t hits, misses, inserts, evictions;
};

/* Set by cache_init and cleared by cache_shutdown, which never run alongside other calls. */
static struct {
  bool ready;
  struct shard *shards;
  unsigned nshards; /* a power of two */
  size_t max_bytes;
  size_t shard_budget;
  size_t max_entry;
} C;

/* Entries of generation < floor are stale; puts must carry the current counter. Kept across
 * init/shutdown cycles so generations never repeat. */
static atomic_uint_fast64_t counter = 1;
static atomic_uint_fast64_t floor_gen = 1;
static atomic_uint_fast64_t rejected;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct shard *shard_of(uint64_t hash) {
  /* High bits pick the shard, low bits the bucket: the two stay independent. */
  return &C.shards[(hash >> 40) & (C.nshards - 1)];
}

int cache_init(size_t max_bytes, unsigned shards) {
  if (C.ready)
    return -1;
  if (shards == 0)
    shards = CACHE_DEFAULT_SHARDS;
  if (shards > CACHE_MAX_SHARDS)
    shards = CACHE_MAX_SHARDS;
  unsigned n = 1;
  while (n < shards)
    n *= 2;
  struct shard *s = aligned_alloc(alignof(struct shard), n * sizeof *s);
  if (s == NULL)
    return -1;
  memset(s, 0, n * sizeof *s);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  /* Critical sections are a few dozen instructions: spin briefly before sleeping. */
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
  for (unsigned i = 0; i < n; i++)
    pthread_mutex_init(&s[i].lock, &attr);
  pthread_mutexattr_destroy(&attr);
  C.shards = s;
  C.nshards = n;
  C.max_bytes = max_bytes;
  C.shard_budget = max_bytes / n;
  C.max_entry = max_bytes / 8 < C.shard_budget ? max_bytes / 8 : C.shard_budget;
  C.ready = true;
  return 0;
}

static void lru_remove(struct shard *sh, struct cache_entry *e) {
  if (e->prev != NULL)
    e->prev->next = e->next;
  else
    sh->head = e->next;
  if (e->next != NULL)
    e->next->prev = e->prev;
  else
    sh->tail = e->prev;
  e->prev = e->next = NULL;
}

/* Removes e from its shard's table and LRU list; the caller holds the lock and inherits the
 * table's reference. */
static void unlink_entry(struct shard *sh, struct cache_entry *e) {
  struct cache_entry **pp = &sh->buckets[e->hash & (sh->nbuckets - 1)];
  while (*pp != e)
    pp = &(*pp)->hnext;
  *pp = e->hnext;
  e->hnext = NULL;
  lru_remove(sh, e);
  sh->bytes -= e->charge;
  sh->count--;
}

static void push_front(struct shard *sh, struct cache_entry *e) {
  e->prev = NULL;
  e->next = sh->head;
  if (sh->head != NULL)
    sh->head->prev = e;
  sh->head = e;
  if (sh->tail == NULL)
    sh->tail = e;
}

static struct cache_entry *find(struct shard *sh, uint64_t hash, const char *key) {
  if (sh->nbuckets == 0)
    return NULL;
  for (struct cache_entry *e = sh->buckets[hash & (sh->nbuckets - 1)]; e != NULL; e = e->hnext)
    if (e->hash == hash && strcmp(e->key, key) == 0)
      return e;
  return NULL;
}

/* Doubles the bucket array; on allocation failure the table just gets denser. */
static void grow(struct shard *sh) {
  size_t n = sh->nbuckets ? sh->nbuckets * 2 : FIRST_BUCKETS;
  struct cache_entry **b = calloc(n, sizeof *b);
  if (b == NULL)
    return;
  for (size_t i = 0; i < sh->nbuckets; i++) {
    struct cache_entry *e = sh->buckets[i];
    while (e != NULL) {
      struct cache_entry *next = e->hnext;
      e->hnext = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
      e = next;
    }
  }
  free(sh->buckets);
  sh->buckets = b;
  sh->nbuckets = n;
}

/* Releases a chain of unlinked entries (linked through hnext); call without the lock. */
static void release_chain(struct cache_entry *e) {
  while (e != NULL) {
    struct cache_entry *next = e->hnext;
    cache_release(e);
    e = next;
  }
}

void cache_shutdown(void) {
  if (!C.ready)
    return;
  for (unsigned i = 0; i < C.nshards; i++) {
    struct shard *sh = &C.shards[i];
    struct cache_entry *chain = NULL;
    while (sh->head != NULL) {
      struct cache_entry *e = sh->head;
      unlink_entry(sh, e);
      e->hnext = chain;
      chain = e;
    }
    release_chain(chain);
    free(sh->buckets);
    pthread_mutex_destroy(&sh->lock);
  }
  free(C.shards);
  memset(&C, 0, sizeof C);
}

uint64_t cache_generation(void) {
  return atomic_load(&counter);
}

struct cache_entry *cache_get(const char *key) {
  if (!C.ready || key == NULL)
    return NULL;
  uint64_t hash = conditional_hash64(key, strlen(key));
  uint64_t now = now_ns();
  uint64_t floor = atomic_load(&floor_gen);
  struct shard *sh = shard_of(hash);
  pthread_mutex_lock(&sh->lock);
  struct cache_entry *e = find(sh, hash, key);
  if (e == NULL) {
    sh->misses++;
    pthread_mutex_unlock(&sh->lock);
    return NULL;
  }
  if (e->generation < floor || e->expires_ns <= now) {
    unlink_entry(sh, e);
    sh->misses++;
    pthread_mutex_unlock(&sh->lock);
    cache_release(e); /* the table's reference */
    return NULL;
  }
  if (sh->head != e) {
    lru_remove(sh, e);
    push_front(sh, e);
  }
  atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
  sh->hits++;
  pthread_mutex_unlock(&sh->lock);
  return e;
}

struct cache_entry *cache_retain(struct cache_entry *e) {
  if (e != NULL)
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
  return e;
}

void cache_release(struct cache_entry *e) {
  if (e != NULL && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
    free(e); /* the entry, its strings and bodies are one block */
}

/* Copies n bytes to *p, NUL-terminates, advances *p; returns the copy. */
static char *place(char **p, const void *src, size_t n) {
  char *dst = *p;
  if (n > 0)
    memcpy(dst, src, n);
  dst[n] = '\0';
  *p += n + 1;
  return dst;
}

/* The gzip body of an entry: the item's own, or compressed into z (when it shrinks);
 * NULL when there is none. Needs the gzip ETag to have been derivable. */
static const void *entry_gzip(const struct cache_item *item, struct buf *z, size_t *len) {
  if (item->gzip != NULL) {
    *len = item->gzip_len;
    return item->gzip;
  }
  if (!item->no_gzip && item->body_len >= GZIP_MIN_BYTES &&
      gzip_compress(item->body, item->body_len, z) && z->len < item->body_len) {
    *len = z->len;
    return z->data;
  }
  return NULL;
}

/* Allocates e with room for its strings and bodies after it, and places them there. */
static struct cache_entry *entry_alloc(const char *key, const struct cache_item *item,
                                       const void *gz, size_t gz_len) {
  size_t klen = strlen(key);
  size_t clen = item->content_type ? strlen(item->content_type) : 0;
  size_t llen = item->link ? strlen(item->link) : 0;
  size_t plen = item->csp ? strlen(item->csp) : 0;
  size_t size = sizeof(struct cache_entry) + klen + 1 + clen + 1 + llen + 1 + plen + 1 +
                item->body_len + 1 + gz_len + 1;
  struct cache_entry *e = malloc(size);
  if (e == NULL)
    return NULL;
  memset(e, 0, sizeof *e);
  char *p = (char *)(e + 1);
  e->key = place(&p, key, klen);
  e->content_type = item->content_type ? place(&p, item->content_type, clen) : NULL;
  e->link = item->link ? place(&p, item->link, llen) : NULL;
  e->csp = item->csp ? place(&p, item->csp, plen) : NULL;
  e->body = place(&p, item->body, item->body_len);
  e->body_len = item->body_len;
  if (gz != NULL) {
    e->gzip = place(&p, gz, gz_len);
    e->gzip_len = gz_len;
  }
  e->charge = size;
  e->hash = conditional_hash64(key, klen);
  return e;
}

struct cache_entry *cache_entry_new(const char *key, const struct cache_item *item,
                                    double ttl_seconds, uint64_t generation) {
  if (key == NULL || item == NULL || (item->body == NULL && item->body_len > 0))
    return NULL;
  char etag[CONDITIONAL_ETAG_MAX];
  if (item->etag != NULL) {
    if (strlen(item->etag) >= sizeof etag)
      return NULL;
    strcpy(etag, item->etag);
  } else {
    conditional_etag_for(item->body, item->body_len, etag);
  }
  char etag_gzip[CONDITIONAL_ETAG_MAX];
  struct buf z = {0};
  size_t gz_len = 0;
  const void *gz = conditional_etag_gzip(etag, etag_gzip) ? entry_gzip(item, &z, &gz_len) : NULL;
  struct cache_entry *e = entry_alloc(key, item, gz, gz_len);
  buf_free(&z);
  if (e == NULL)
    return NULL;
  e->status = item->status;
  memcpy(e->etag, etag, sizeof etag);
  memcpy(e->etag_gzip, etag_gzip, sizeof etag_gzip);
  e->last_modified = item->last_modified;
  e->max_age = item->max_age;
  e->route = item->route;
  e->generation = generation;
  double ttl = ttl_seconds > MAX_TTL_SECONDS ? MAX_TTL_SECONDS : ttl_seconds;
  e->expires_ns = ttl > 0 ? now_ns() + (uint64_t)(ttl * 1e9) : 0;
  atomic_init(&e->refs, 1);
  atomic_init(&e->inserted, false);
  return e;
}

static bool refuse(void) {
  atomic_fetch_add_explicit(&rejected, 1, memory_order_relaxed);
  return false;
}

bool cache_insert(struct cache_entry *e) {
  if (!C.ready || e == NULL || e->charge > C.max_entry || e->expires_ns <= now_ns())
    return refuse();
  if (atomic_exchange(&e->inserted, true))
    return refuse();
  struct shard *sh = shard_of(e->hash);
  pthread_mutex_lock(&sh->lock);
  /* Checked under the lock: an invalidation either moved the counter before this point
   * (refused) or sweeps/stales this entry after it (cache_invalidate_prefix needs this lock). */
  if (e->generation != atomic_load(&counter)) {
    pthread_mutex_unlock(&sh->lock);
    return refuse();
  }
  struct cache_entry *victims = find(sh, e->hash, e->key);
  if (victims != NULL)
    unlink_entry(sh, victims);
  if (sh->count + 1 > sh->nbuckets)
    grow(sh);
  if (sh->nbuckets == 0) { /* no memory for even the first buckets */
    pthread_mutex_unlock(&sh->lock);
    release_chain(victims);
    return refuse();
  }
  atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); /* the table's reference */
  e->hnext = sh->buckets[e->hash & (sh->nbuckets - 1)];
  sh->buckets[e->hash & (sh->nbuckets - 1)] = e;
  push_front(sh, e);
  sh->bytes += e->charge;
  sh->count++;
  sh->inserts++;
  while (sh->bytes > C.shard_budget && sh->tail != e) {
    struct cache_entry *v = sh->tail;
    unlink_entry(sh, v);
    sh->evictions++;
    v->hnext = victims;
    victims = v;
  }
  pthread_mutex_unlock(&sh->lock);
  release_chain(victims);
  return true;
}

void cache_invalidate_all(void) {
  uint64_t next = atomic_fetch_add(&counter, 1) + 1;
  uint64_t cur = atomic_load(&floor_gen);
  while (cur < next && !atomic_compare_exchange_weak(&floor_gen, &cur, next))
    ;
}

void cache_stats(struct cache_stats *out) {
  memset(out, 0, sizeof *out);
  out->rejected = atomic_load_explicit(&rejected, memory_order_relaxed);
  if (!C.ready)
    return;
  out->max_bytes = C.max_bytes;
  out->max_entry_bytes = C.max_entry;
  for (unsigned i = 0; i < C.nshards; i++) {
    struct shard *sh = &C.shards[i];
    pthread_mutex_lock(&sh->lock);
    out->hits += sh->hits;
    out->misses += sh->misses;
    out->inserts += sh->inserts;
    out->evictions += sh->evictions;
    out->bytes += sh->bytes;
    out->entries += sh->count;
    pthread_mutex_unlock(&sh->lock);
  }
}

static int param_cmp(const void *a, const void *b) {
  const struct query_param *x = *(const struct query_param *const *)a;
  const struct query_param *y = *(const struct query_param *const *)b;
  int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
  return c != 0 ? c : strcmp(x->value ? x->value : "", y->value ? y->value : "");
}

char *cache_key(const char *base_url, const char *path, const struct query_param *q, size_t nq) {
  struct buf b = {0};
  const struct query_param **sorted = NULL;
  buf_url_encode_path(&b, path ? path : "");
  if (nq > 0) {
    sorted = malloc(nq * sizeof *sorted);
    if (sorted == NULL) {
      buf_free(&b);
      return NULL;
    }
    for (size_t i = 0; i < nq; i++)
      sorted[i] = &q[i];
    qsort(sorted, nq, sizeof *sorted, param_cmp);
    for (size_t i = 0; i < nq; i++) {
      buf_append(&b, i == 0 ? "?" : "&", 1);
      buf_url_encode(&b, sorted[i]->name ? sorted[i]->name : "");
      buf_append(&b, "=", 1);
      buf_url_encode(&b, sorted[i]->value ? sorted[i]->value : "");
    }
    free(sorted);
  }
  if (base_url != NULL) {
    buf_append(&b, "#", 1);
    buf_puts(&b, base_url);
  }
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}
