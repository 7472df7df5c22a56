/* ratelimit.c: the token buckets (ratelimit.h): 16 shards, each a chained hash table over a
 * fixed array of buckets with a least-recently-seen list, behind one mutex. A full shard
 * reuses its least recently seen bucket (that client starts afresh, with a full bucket): the
 * memory is fixed at start whatever the traffic. */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>

#define NSHARDS 16
#define NIL     UINT32_MAX

struct bucket {
  uint8_t key[16];
  uint8_t kind;
  uint32_t hnext;      /* the next bucket of the same chain */
  uint32_t prev, next; /* the recency list: prev is more recent */
  double tokens;
  int64_t at_ns; /* when tokens was computed */
};

struct shard {
  pthread_mutex_t lock;
  struct bucket *b;
  uint32_t *heads;
  uint32_t cap, used, mask;
  uint32_t newest, oldest;
};

static struct shard *shards;
static struct rate_policy policies[RATE_KINDS];
static uint64_t seed; /* keys come from clients: a secret seed keeps chains short */

static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t hash_of(enum rate_kind kind, const uint8_t key[16]) {
  uint64_t a, b;
  memcpy(&a, key, 8);
  memcpy(&b, key + 8, 8);
  return mix(mix(a ^ seed) ^ b ^ (uint64_t)kind * 0x9e3779b97f4a7c15ull);
}

int ratelimit_init(const struct rate_policy given[RATE_KINDS], size_t max_entries) {
  memcpy(policies, given, sizeof policies);
  if (gnutls_rnd(GNUTLS_RND_NONCE, &seed, sizeof seed) != 0)
    seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
  shards = calloc(NSHARDS, sizeof *shards);
  uint32_t cap = (uint32_t)(max_entries / NSHARDS > 0 ? max_entries / NSHARDS : 1), heads = 1;
  while (heads < cap)
    heads <<= 1;
  for (size_t i = 0; shards != NULL && i < NSHARDS; i++) {
    struct shard *s = &shards[i];
    pthread_mutex_init(&s->lock, NULL);
    s->b = calloc(cap, sizeof *s->b);
    s->heads = malloc(heads * sizeof *s->heads);
    if (s->b == NULL || s->heads == NULL) {
      ratelimit_shutdown();
      return -1;
    }
    memset(s->heads, 0xff, heads * sizeof *s->heads); /* every chain empty (NIL) */
    s->cap = cap;
    s->mask = heads - 1;
    s->newest = s->oldest = NIL;
  }
  return shards != NULL ? 0 : -1;
}

void ratelimit_shutdown(void) {
  for (size_t i = 0; shards != NULL && i < NSHARDS; i++) {
    free(shards[i].b);
    free(shards[i].heads);
    pthread_mutex_destroy(&shards[i].lock);
  }
  free(shards);
  shards = NULL;
}

bool ratelimit_enabled(enum rate_kind kind) {
  return shards != NULL && policies[kind].per_minute > 0;
}

static void unlink_recent(struct shard *s, uint32_t i) {
  struct bucket *x = &s->b[i];
  if (x->prev != NIL)
    s->b[x->prev].next = x->next;
  else
    s->newest = x->next;
  if (x->next != NIL)
    s->b[x->next].prev = x->prev;
  else
    s->oldest = x->prev;
}

static void make_newest(struct shard *s, uint32_t i) {
  s->b[i].prev = NIL;
  s->b[i].next = s->newest;
  if (s->newest != NIL)
    s->b[s->newest].prev = i;
  s->newest = i;
  if (s->oldest == NIL)
    s->oldest = i;
}

/* Removes bucket i from its hash chain. */
static void unchain(struct shard *s, uint32_t i, uint64_t h) {
  uint32_t *p = &s->heads[h & s->mask];
  while (*p != i)
    p = &s->b[*p].hnext;
  *p = s->b[i].hnext;
}

static uint32_t find(const struct shard *s, enum rate_kind kind, const uint8_t key[16],
                     uint64_t h) {
  for (uint32_t i = s->heads[h & s->mask]; i != NIL; i = s->b[i].hnext)
    if (s->b[i].kind == kind && memcmp(s->b[i].key, key, 16) == 0)
      return i;
  return NIL;
}

/* A new bucket (full) for (kind, key): a free one, or the least recently seen one reused. */
static uint32_t claim(struct shard *s, enum rate_kind kind, const uint8_t key[16], uint64_t h,
                      int64_t now) {
  uint32_t i;
  if (s->used < s->cap) {
    i = s->used++;
  } else { /* full (cap >= 1): the least recently seen makes room */
    i = s->oldest;
    unchain(s, i, hash_of((enum rate_kind)s->b[i].kind, s->b[i].key));
    unlink_recent(s, i);
  }
  struct bucket *x = &s->b[i];
  memcpy(x->key, key, 16);
  x->kind = (uint8_t)kind;
  x->tokens = policies[kind].burst;
  x->at_ns = now;
  x->hnext = s->heads[h & s->mask];
  s->heads[h & s->mask] = i;
  make_newest(s, i);
  return i;
}

/* The verdict on a bucket holding tokens (after refill), under policy p. */
static void judge(const struct rate_policy *p, double *tokens, bool take, struct rate_verdict *v) {
  double rate = p->per_minute / 60.0;
  v->policy = p;
  v->refused = *tokens < 1.0;
  if (take && !v->refused)
    *tokens -= 1.0;
  v->remaining = (unsigned)floor(*tokens);
  v->retry_after = v->refused ? (unsigned)ceil((1.0 - *tokens) / rate) : 0;
  v->retry_after = v->refused && v->retry_after == 0 ? 1 : v->retry_after;
  v->reset = v->refused ? v->retry_after : (unsigned)ceil((p->burst - *tokens) / rate);
}

static void check_at(enum rate_kind kind, const uint8_t key[16], bool take, int64_t now,
                     struct rate_verdict *v) {
  const struct rate_policy *p = &policies[kind];
  *v = (struct rate_verdict){0};
  if (!ratelimit_enabled(kind))
    return;
  uint64_t h = hash_of(kind, key);
  struct shard *s = &shards[(h >> 56) % NSHARDS];
  pthread_mutex_lock(&s->lock);
  uint32_t i = find(s, kind, key, h);
  if (i == NIL && !take) {
    double full = p->burst;
    judge(p, &full, false, v);
  } else {
    if (i == NIL)
      i = claim(s, kind, key, h, now);
    struct bucket *x = &s->b[i];
    double refill = (double)(now - x->at_ns) / 1e9 * (p->per_minute / 60.0);
    x->tokens = refill > 0 ? fmin((double)p->burst, x->tokens + refill) : x->tokens;
    x->at_ns = now > x->at_ns ? now : x->at_ns;
    judge(p, &x->tokens, take, v);
    unlink_recent(s, i);
    make_newest(s, i);
  }
  pthread_mutex_unlock(&s->lock);
}

void ratelimit_check(enum rate_kind kind, const uint8_t key[16], bool take,
                     struct rate_verdict *v) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  check_at(kind, key, take, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, v);
}

size_t ratelimit_entries(void) {
  size_t n = 0;
  for (size_t i = 0; shards != NULL && i < NSHARDS; i++) {
    pthread_mutex_lock(&shards[i].lock);
    n += shards[i].used;
    pthread_mutex_unlock(&shards[i].lock);
  }
  return n;
}
