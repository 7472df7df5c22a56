/* test_flight.c: coalescing of identical cache misses (src/http/flight.c): followers wait
 * for the leader and take its answer. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "flight.h"

/* An answer as the leader would have it. */
static struct cache_entry *answer(const char *body) {
  struct cache_item it = {.status = 200,
                          .content_type = "application/json",
                          .body = body,
                          .body_len = strlen(body),
                          .route = -1};
  struct cache_entry *e = cache_entry_new("/k", &it, 0, 1);
  assert_non_null(e);
  return e;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

struct follower {
  const char *key;
  uint64_t generation;
  unsigned timeout_ms;
  struct flight *got;
  struct cache_entry *answer;
  atomic_bool finished;
};

static void *follow(void *arg) {
  struct follower *f = arg;
  f->got = flight_begin(f->key, f->generation, 0, f->timeout_ms, &f->answer);
  atomic_store(&f->finished, true);
  return NULL;
}

static void flight_first_miss_leads(void **state) {
  (void)state;
  struct cache_entry *a = NULL;
  struct flight *f = flight_begin("/v1/news", 1, 0, 1000, &a);
  assert_non_null(f);
  assert_null(a);
  flight_end(f, NULL);
  /* ended: the next miss leads again (it does not wait for an ended flight) */
  f = flight_begin("/v1/news", 1, 0, 1000, &a);
  assert_non_null(f);
  flight_end(f, NULL);
  flight_end(NULL, NULL); /* ignored */
}

static void flight_identical_miss_waits_for_the_leader(void **state) {
  (void)state;
  struct cache_entry *none = NULL;
  struct flight *lead = flight_begin("/v1/search?q=a", 7, 0, 5000, &none);
  assert_non_null(lead);
  struct follower fw[3];
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    fw[i] = (struct follower){.key = "/v1/search?q=a", .generation = 7, .timeout_ms = 5000};
    assert_int_equal(pthread_create(&th[i], NULL, follow, &fw[i]), 0);
  }
  sleep_ms(100);
  for (int i = 0; i < 3; i++)
    assert_false(atomic_load(&fw[i].finished)); /* still waiting for the leader */
  struct cache_entry *mine = answer("{\"data\":[]}");
  flight_end(lead, mine);
  cache_release(mine); /* the followers' references keep it */
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    assert_null(fw[i].got);
    /* They took the leader's answer: so they waited for it (never a clock). */
    assert_ptr_equal(fw[i].answer, mine);
    assert_string_equal(fw[i].answer->body, "{\"data\":[]}");
    cache_release(fw[i].answer);
  }
}

static void flight_without_an_answer_sends_followers_to_compute_their_own(void **state) {
  (void)state;
  struct cache_entry *none = NULL;
  struct flight *lead = flight_begin("/v1/news?q=b", 2, 0, 5000, &none);
  struct follower fw = {.key = "/v1/news?q=b", .generation = 2, .timeout_ms = 5000};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, follow, &fw), 0);
  sleep_ms(50);
  flight_end(lead, NULL); /* an error, say: nothing to share */
  pthread_join(th, NULL);
  assert_null(fw.got);
  assert_null(fw.answer);
}

static void flight_other_key_or_generation_leads_its_own(void **state) {
  (void)state;
  struct cache_entry *a = NULL;
  struct flight *lead = flight_begin("/v1/news?limit=5", 3, 0, 5000, &a);
  assert_non_null(lead);
  struct flight *other_key = flight_begin("/v1/news?limit=6", 3, 0, 5000, &a);
  struct flight *newer = flight_begin("/v1/news?limit=5", 4, 0, 5000, &a); /* after a write */
  assert_non_null(other_key);
  assert_non_null(newer);
  flight_end(newer, NULL);
  flight_end(other_key, NULL);
  flight_end(lead, NULL);
}

static void flight_wait_is_bounded(void **state) {
  (void)state;
  struct cache_entry *a = NULL;
  struct flight *lead = flight_begin("/v1/feeds/news.atom", 9, 0, 5000, &a);
  assert_non_null(lead);
  struct follower fw = {.key = "/v1/feeds/news.atom", .generation = 9, .timeout_ms = 150};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, follow, &fw), 0);
  pthread_join(th, NULL); /* returns on its own, the leader still in flight */
  assert_null(fw.got);
  assert_null(fw.answer);
  struct cache_entry *late = answer("late");
  flight_end(lead, late); /* after a waiter gave up: frees the flight and its answer once */
  cache_release(late);
}

/* A request that arrived while the flight flew, but reached a worker after it ended (it
 * waited in the queue), takes the lingering answer; one that arrived after leads anew. */
static void flight_answer_lingers_for_requests_that_arrived_during_it(void **state) {
  (void)state;
  flight_configure(60000);
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  long long before = (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
  struct cache_entry *got = NULL;
  struct flight *lead = flight_begin("/v1/search?q=c", 5, before, 5000, &got);
  assert_non_null(lead);
  struct cache_entry *mine = answer("[1]");
  flight_end(lead, mine);
  assert_null(flight_begin("/v1/search?q=c", 5, before, 5000, &got));
  assert_ptr_equal(got, mine);
  cache_release(got);
  /* another generation (a write since), or a request that came after the end: leads */
  struct flight *other = flight_begin("/v1/search?q=c", 6, before, 5000, &got);
  assert_non_null(other);
  flight_end(other, NULL);
  struct flight *later = flight_begin("/v1/search?q=c", 5, before + 3600000000LL, 5000, &got);
  assert_non_null(later);
  assert_null(got);
  flight_end(later, NULL);
  /* one sent right after the end (even within the same millisecond) leads anew: with the
   * cache off, no answer is ever given twice to requests that came one after the other */
  struct flight *again = flight_begin("/v1/search?q=d", 5, 0, 5000, &got);
  assert_non_null(again);
  flight_end(again, mine);
  clock_gettime(CLOCK_MONOTONIC, &t);
  long long just_after = (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
  struct flight *fresh = flight_begin("/v1/search?q=d", 5, just_after, 5000, &got);
  assert_non_null(fresh);
  assert_null(got);
  flight_end(fresh, NULL);
  cache_release(mine);
  flight_shutdown(); /* frees what lingers (ASan run) */
  flight_configure(0);
}

/* At most FLIGHT_LINGER_MAX ended flights linger, the newest: an older one is gone (its request
 * leads anew, costing a query, never a wrong answer), whatever the traffic. */
static void flight_lingering_answers_are_bounded(void **state) {
  (void)state;
  flight_configure(60000);
  struct cache_entry *got = NULL, *mine = answer("x");
  char key[32];
  for (int i = 0; i < FLIGHT_LINGER_MAX + 8; i++) {
    snprintf(key, sizeof key, "/v1/search?q=k%d", i);
    struct flight *f = flight_begin(key, 8, 0, 5000, &got);
    assert_non_null(f);
    flight_end(f, mine);
  }
  struct flight *oldest = flight_begin("/v1/search?q=k0", 8, 0, 5000, &got);
  assert_non_null(oldest); /* dropped: leads */
  flight_end(oldest, NULL);
  snprintf(key, sizeof key, "/v1/search?q=k%d", FLIGHT_LINGER_MAX + 7);
  assert_null(flight_begin(key, 8, 0, 5000, &got)); /* the newest lingers */
  assert_ptr_equal(got, mine);
  cache_release(got);
  cache_release(mine);
  flight_shutdown();
  flight_configure(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(flight_first_miss_leads),
      cmocka_unit_test(flight_identical_miss_waits_for_the_leader),
      cmocka_unit_test(flight_without_an_answer_sends_followers_to_compute_their_own),
      cmocka_unit_test(flight_other_key_or_generation_leads_its_own),
      cmocka_unit_test(flight_wait_is_bounded),
      cmocka_unit_test(flight_answer_lingers_for_requests_that_arrived_during_it),
      cmocka_unit_test(flight_lingering_answers_are_bounded),
  };
  return cmocka_run_group_tests_name("flight", tests, NULL, NULL);
}
