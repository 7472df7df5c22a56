/* test_cache.c: the response cache (src/http/cache.c), from one thread and from several. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <zlib.h>

#include "cache.h"
#include "gzip.h"

/* Builds an entry and stores it, as the pipeline does: true when stored. */
static bool put(const char *key, const struct cache_item *item, double ttl, uint64_t gen) {
  struct cache_entry *e = cache_entry_new(key, item, ttl, gen);
  bool stored = e != NULL && cache_insert(e);
  cache_release(e);
  return stored;
}

static const struct cache_item SMALL = {.status = 200,
                                        .content_type = "application/json",
                                        .link = "</v1/news?cursor=x>; rel=\"next\"",
                                        .max_age = 60,
                                        .last_modified = 784111777,
                                        .body = "{\"items\":[]}",
                                        .body_len = 12};

static int teardown(void **state) {
  (void)state;
  cache_shutdown();
  return 0;
}

/* A JSON-ish body of n bytes that compresses well. */
static char *make_body(size_t n, char seed) {
  char *b = malloc(n + 1);
  for (size_t i = 0; i < n; i++)
    b[i] = "{\"title\":\"Anti-slavery news\",\"id\":0}"[i % 36];
  if (n > 0)
    b[0] = seed;
  b[n] = '\0';
  return b;
}

static void cache_get_returns_copy_of_what_was_put(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 4), 0);
  assert_true(put("/v1/news", &SMALL, 60, cache_generation()));
  struct cache_entry *e = cache_get("/v1/news");
  assert_non_null(e);
  assert_string_equal(e->key, "/v1/news");
  assert_int_equal(e->status, 200);
  assert_string_equal(e->content_type, "application/json");
  assert_string_equal(e->link, SMALL.link);
  assert_null(e->csp); /* none given: the server's default */
  assert_int_equal(e->max_age, 60);
  assert_int_equal(e->last_modified, 784111777);
  assert_int_equal(e->body_len, 12);
  assert_memory_equal(e->body, "{\"items\":[]}", 13); /* NUL-terminated too */
  char etag[CONDITIONAL_ETAG_MAX];
  conditional_etag_for(SMALL.body, SMALL.body_len, etag);
  assert_string_equal(e->etag, etag);
  assert_null(e->gzip); /* under GZIP_MIN_BYTES */
  char gz_tag[CONDITIONAL_ETAG_MAX];
  assert_true(conditional_etag_gzip(etag, gz_tag));
  assert_string_equal(e->etag_gzip, gz_tag); /* for a body compressed on the fly */
  assert_null(cache_get("/v1/news?limit=5"));
  cache_release(e);
  struct cache_stats st;
  cache_stats(&st);
  assert_int_equal(st.hits, 1);
  assert_int_equal(st.misses, 1);
  assert_int_equal(st.inserts, 1);
  assert_int_equal(st.entries, 1);
}

/* An answer's own Content-Security-Policy (the /docs page's) is copied into its entry, so a
 * hit or a 304 from the cache carries it as the first answer did. */
static void cache_keeps_the_answers_own_csp(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 4), 0);
  char csp[] = "default-src 'self'; script-src 'sha256-x'";
  struct cache_item it = SMALL;
  it.csp = csp;
  assert_true(put("/docs", &it, 60, cache_generation()));
  csp[0] = 'X'; /* the caller's string may change or go: the entry has its own copy */
  struct cache_entry *e = cache_get("/docs");
  assert_non_null(e);
  assert_string_equal(e->csp, "default-src 'self'; script-src 'sha256-x'");
  assert_string_equal(e->link, SMALL.link);
  assert_memory_equal(e->body, SMALL.body, SMALL.body_len + 1);
  cache_release(e);
}

static void cache_compresses_large_body_once_with_gz_etag(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 4), 0);
  size_t n = 20000;
  char *body = make_body(n, '{');
  struct cache_item it = SMALL;
  it.body = body;
  it.body_len = n;
  it.link = NULL;
  assert_true(put("/v1/publications", &it, 60, cache_generation()));
  struct cache_entry *e = cache_get("/v1/publications");
  assert_non_null(e);
  assert_null(e->link);
  assert_non_null(e->gzip);
  assert_true(e->gzip_len < n / 10);
  char gz_tag[CONDITIONAL_ETAG_MAX];
  assert_true(conditional_etag_gzip(e->etag, gz_tag));
  assert_string_equal(e->etag_gzip, gz_tag);
  assert_string_not_equal(e->etag, e->etag_gzip);
  /* The gzip body inflates back to the identity body. */
  char *back = malloc(n + 16);
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = (unsigned char *)e->gzip;
  zs.avail_in = (uInt)e->gzip_len;
  zs.next_out = (unsigned char *)back;
  zs.avail_out = (uInt)(n + 16);
  assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
  assert_int_equal(zs.total_out, n);
  assert_memory_equal(back, body, n);
  inflateEnd(&zs);
  free(back);
  cache_release(e);
  free(body);
}

static void cache_uses_callers_etag_and_gzip_when_given(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 1), 0);
  struct buf z = {0};
  char *body = make_body(5000, '[');
  assert_true(gzip_compress(body, 5000, &z));
  struct cache_item it = SMALL;
  it.body = body;
  it.body_len = 5000;
  it.etag = "\"v7\"";
  it.gzip = z.data;
  it.gzip_len = z.len;
  struct cache_entry *e = cache_entry_new("/k", &it, 60, cache_generation());
  assert_non_null(e);
  assert_string_equal(e->etag, "\"v7\"");
  assert_string_equal(e->etag_gzip, "\"v7-gz\"");
  assert_int_equal(e->gzip_len, z.len);
  assert_memory_equal(e->gzip, z.data, z.len);
  assert_true(cache_insert(e));
  assert_false(cache_insert(e)); /* once only */
  cache_release(e);
  e = cache_get("/k");
  assert_non_null(e);
  cache_release(e);
  it.etag = "\"an entity tag that is far too long\"";
  assert_null(cache_entry_new("/k", &it, 60, cache_generation()));
  buf_free(&z);
  free(body);
}

static void cache_entry_new_works_without_a_cache(void **state) {
  (void)state;
  struct cache_entry *e = cache_entry_new("/x", &SMALL, 60, cache_generation());
  assert_non_null(e);
  assert_false(cache_insert(e)); /* no cache initialised */
  assert_string_equal(e->body, "{\"items\":[]}");
  cache_release(e);
  assert_null(cache_get("/x"));
  assert_false(put("/x", &SMALL, 60, cache_generation()));
}

static void cache_evicts_least_recently_used_within_byte_bound(void **state) {
  (void)state;
  /* Measure one entry's charge, then allow eight and a half of them in one shard. */
  assert_int_equal(cache_init(1 << 20, 1), 0);
  assert_true(put("/k0", &SMALL, 60, cache_generation()));
  struct cache_stats st;
  cache_stats(&st);
  size_t charge = st.bytes;
  assert_true(charge > SMALL.body_len);
  cache_shutdown();

  size_t max = 8 * charge + charge / 2;
  assert_int_equal(cache_init(max, 1), 0);
  char key[16];
  for (int i = 0; i < 8; i++) {
    snprintf(key, sizeof key, "/k%d", i);
    assert_true(put(key, &SMALL, 60, cache_generation()));
  }
  cache_release(cache_get("/k0")); /* /k0 becomes the most recent; /k1 the least */
  assert_true(put("/k8", &SMALL, 60, cache_generation()));
  cache_stats(&st);
  assert_int_equal(st.entries, 8);
  assert_true(st.bytes <= max);
  assert_int_equal(st.evictions, 1);
  struct cache_entry *e = cache_get("/k1");
  assert_null(e);
  for (int i = 0; i <= 8; i++) {
    if (i == 1)
      continue;
    snprintf(key, sizeof key, "/k%d", i);
    e = cache_get(key);
    assert_non_null(e);
    cache_release(e);
  }
}

static void cache_refuses_entry_bigger_than_an_eighth(void **state) {
  (void)state;
  assert_int_equal(cache_init(80000, 1), 0);
  char *body = make_body(10001, 'x');
  struct cache_item it = SMALL;
  it.body = body;
  it.body_len = 10001;
  assert_false(put("/big", &it, 60, cache_generation()));
  it.body_len = 5000; /* fits: 5000 + overhead + gzip < 10000 */
  assert_true(put("/ok", &it, 60, cache_generation()));
  struct cache_stats st;
  cache_stats(&st);
  assert_int_equal(st.max_entry_bytes, 10000);
  assert_int_equal(st.entries, 1);
  assert_true(st.rejected >= 1);
  free(body);
}

static void cache_drops_put_from_older_generation(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 4), 0);
  uint64_t g = cache_generation(); /* read before "computing the response" */
  cache_invalidate_all();          /* a write lands meanwhile */
  assert_false(put("/v1/news", &SMALL, 60, g));
  assert_null(cache_get("/v1/news"));
  assert_true(put("/v1/news", &SMALL, 60, cache_generation()));
}

static void cache_insert_racing_invalidation_is_stale(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 4), 0);
  uint64_t g = cache_generation();
  struct cache_entry *e = cache_entry_new("/v1/news", &SMALL, 60, g);
  assert_true(cache_insert(e)); /* stored just before the invalidation */
  cache_release(e);
  cache_invalidate_all();
  assert_null(cache_get("/v1/news"));
  struct cache_stats st;
  cache_stats(&st);
  assert_int_equal(st.entries, 0); /* dropped on the way */
}

static void cache_invalidate_all_hides_every_entry(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 8), 0);
  char key[16];
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "/e/%d", i);
    assert_true(put(key, &SMALL, 60, cache_generation()));
  }
  cache_invalidate_all();
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "/e/%d", i);
    assert_null(cache_get(key));
  }
  assert_true(put("/e/1", &SMALL, 60, cache_generation()));
  struct cache_entry *e = cache_get("/e/1");
  assert_non_null(e);
  cache_release(e);
}

static void cache_expires_entries_after_ttl(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 1), 0);
  assert_true(put("/short", &SMALL, 0.03, cache_generation()));
  assert_false(put("/none", &SMALL, 0, cache_generation()));
  struct cache_entry *e = cache_get("/short");
  assert_non_null(e);
  cache_release(e);
  struct timespec ts = {0, 60 * 1000 * 1000};
  nanosleep(&ts, NULL);
  assert_null(cache_get("/short"));
  assert_null(cache_get("/none"));
}

static void cache_entry_outlives_eviction_while_referenced(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 1), 0);
  assert_true(put("/r", &SMALL, 60, cache_generation()));
  struct cache_entry *held = cache_get("/r");
  assert_non_null(held);
  struct cache_item other = SMALL;
  other.body = "{\"items\":[1]}";
  other.body_len = 13;
  assert_true(put("/r", &other, 60, cache_generation())); /* replaces */
  cache_invalidate_all();
  cache_shutdown();
  /* Still ours: the sanitizer build turns a premature free into a failure here. */
  assert_string_equal(held->body, "{\"items\":[]}");
  assert_string_equal(held->key, "/r");
  cache_release(held);
}

static void cache_replaces_entry_with_same_key(void **state) {
  (void)state;
  assert_int_equal(cache_init(1 << 20, 2), 0);
  assert_true(put("/s", &SMALL, 60, cache_generation()));
  struct cache_item other = SMALL;
  other.body = "[2]";
  other.body_len = 3;
  other.status = 201;
  assert_true(put("/s", &other, 60, cache_generation()));
  struct cache_entry *e = cache_get("/s");
  assert_non_null(e);
  assert_string_equal(e->body, "[2]");
  assert_int_equal(e->status, 201);
  cache_release(e);
  struct cache_stats st;
  cache_stats(&st);
  assert_int_equal(st.entries, 1);
}

static void cache_key_sorts_parameters_by_name_then_value(void **state) {
  (void)state;
  struct query_param a[] = {{"b", "2"}, {"a", "1"}, {"a", "0"}};
  struct query_param b[] = {{"a", "0"}, {"b", "2"}, {"a", "1"}};
  char *ka = cache_key(NULL, "/v1/news", a, 3);
  char *kb = cache_key(NULL, "/v1/news", b, 3);
  assert_string_equal(ka, "/v1/news?a=0&a=1&b=2");
  assert_string_equal(ka, kb);
  free(ka);
  free(kb);
  char *k = cache_key(NULL, "/v1/news", NULL, 0);
  assert_string_equal(k, "/v1/news");
  free(k);
}

static void cache_key_encodes_so_distinct_requests_never_collide(void **state) {
  (void)state;
  struct query_param q[] = {{"q", "a&b=c d"}};
  char *k = cache_key(NULL, "/v1/search", q, 1);
  assert_string_equal(k, "/v1/search?q=a%26b%3Dc%20d");
  free(k);
  /* A decoded path holding '?' must not look like a query. */
  struct query_param r[] = {{"b", ""}};
  char *k1 = cache_key(NULL, "/v1/news/a?b=", NULL, 0);
  char *k2 = cache_key(NULL, "/v1/news/a", r, 1);
  assert_string_equal(k1, "/v1/news/a%3Fb%3D");
  assert_string_equal(k2, "/v1/news/a?b=");
  free(k1);
  free(k2);
  k = cache_key("http://localhost:8080", "/v1/caf\xC3\xA9", NULL, 0);
  assert_string_equal(k, "/v1/caf%C3%A9#http://localhost:8080");
  free(k);
}

/* ---- several threads at once ---- */

#define THREADS 4
#define OPS     10000
#define KEYS    64

/* Workers record, the main thread asserts (cmocka's failures must not jump across threads). */
static size_t max_seen_bytes;
static uint64_t gets;
static int wrong_bodies, wrong_gzip;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* Body for key i: a header naming the key, then filler; some long enough for gzip. */
static size_t body_for(int i, char *out, size_t cap) {
  size_t n = (size_t)(i % 16 == 0 ? 2000 : 100 + (i * 37) % 700);
  if (n > cap)
    n = cap;
  int h = snprintf(out, cap, "{\"key\":%d,", i);
  for (size_t j = (size_t)h; j < n; j++)
    out[j] = (char)('a' + (i + (int)j) % 26);
  return n;
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  char body[2048], expect[2048], key[32];
  uint64_t my_gets = 0;
  int my_wrong_bodies = 0, my_wrong_gzip = 0;
  for (int op = 0; op < OPS; op++) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)((seed >> 16) % KEYS);
    snprintf(key, sizeof key, "/v1/t/%d", i);
    unsigned dice = (seed >> 8) % 1000;
    if (dice < 1) {
      cache_invalidate_all();
      continue;
    }
    uint64_t g = cache_generation();
    struct cache_entry *e = cache_get(key);
    my_gets++;
    if (e != NULL) {
      size_t n = body_for(i, expect, sizeof expect);
      if (e->body_len != n || memcmp(e->body, expect, n) != 0 || strcmp(e->key, key) != 0)
        my_wrong_bodies++;
      if ((e->gzip != NULL) != (n >= GZIP_MIN_BYTES))
        my_wrong_gzip++;
      cache_release(e);
    } else {
      size_t n = body_for(i, body, sizeof body);
      struct cache_item it = {.status = 200,
                              .content_type = "application/json",
                              .body = body,
                              .body_len = n,
                              .max_age = 60};
      put(key, &it, 60, g);
    }
    if (op % 500 == 0) {
      struct cache_stats st;
      cache_stats(&st);
      pthread_mutex_lock(&seen_lock);
      if (st.bytes > max_seen_bytes)
        max_seen_bytes = st.bytes;
      pthread_mutex_unlock(&seen_lock);
    }
  }
  pthread_mutex_lock(&seen_lock);
  gets += my_gets;
  wrong_bodies += my_wrong_bodies;
  wrong_gzip += my_wrong_gzip;
  pthread_mutex_unlock(&seen_lock);
  return NULL;
}

static void cache_survives_concurrent_get_put_invalidate_within_bound(void **state) {
  (void)state;
  const size_t max = 48 * 1024; /* well under the working set: eviction runs all the time */
  assert_int_equal(cache_init(max, 4), 0);
  max_seen_bytes = 0;
  gets = 0;
  wrong_bodies = wrong_gzip = 0;
  pthread_t t[THREADS];
  for (uintptr_t i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(i + 1)), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  struct cache_stats st;
  cache_stats(&st);
  assert_true(st.bytes <= max);
  assert_true(max_seen_bytes <= max);
  assert_true(st.hits > 0);
  assert_true(st.inserts > 0);
  assert_true(st.evictions > 0);
  assert_int_equal(st.hits + st.misses, gets);
  assert_int_equal(wrong_bodies, 0);
  assert_int_equal(wrong_gzip, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(cache_get_returns_copy_of_what_was_put, teardown),
      cmocka_unit_test_teardown(cache_keeps_the_answers_own_csp, teardown),
      cmocka_unit_test_teardown(cache_compresses_large_body_once_with_gz_etag, teardown),
      cmocka_unit_test_teardown(cache_uses_callers_etag_and_gzip_when_given, teardown),
      cmocka_unit_test_teardown(cache_entry_new_works_without_a_cache, teardown),
      cmocka_unit_test_teardown(cache_evicts_least_recently_used_within_byte_bound, teardown),
      cmocka_unit_test_teardown(cache_refuses_entry_bigger_than_an_eighth, teardown),
      cmocka_unit_test_teardown(cache_drops_put_from_older_generation, teardown),
      cmocka_unit_test_teardown(cache_insert_racing_invalidation_is_stale, teardown),
      cmocka_unit_test_teardown(cache_invalidate_all_hides_every_entry, teardown),
      cmocka_unit_test_teardown(cache_expires_entries_after_ttl, teardown),
      cmocka_unit_test_teardown(cache_entry_outlives_eviction_while_referenced, teardown),
      cmocka_unit_test_teardown(cache_replaces_entry_with_same_key, teardown),
      cmocka_unit_test(cache_key_sorts_parameters_by_name_then_value),
      cmocka_unit_test(cache_key_encodes_so_distinct_requests_never_collide),
      cmocka_unit_test_teardown(cache_survives_concurrent_get_put_invalidate_within_bound,
                                teardown),
  };
  return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
