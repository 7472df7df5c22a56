/* test_flight.c: coalescing of identical cache misses (src/http/flight.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "flight.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
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
  double waited_ms;
  atomic_bool finished;
};

static void *follow(void *arg) {
  struct follower *f = arg;
  double t0 = now_ms();
  f->got = flight_begin(f->key, f->generation, f->timeout_ms);
  f->waited_ms = now_ms() - t0;
  atomic_store(&f->finished, true);
  return NULL;
}

static void flight_first_miss_leads(void **state) {
  (void)state;
  struct flight *f = flight_begin("/v1/news", 1, 1000);
  assert_non_null(f);
  flight_end(f);
  /* ended: the next miss leads again, without waiting */
  double t0 = now_ms();
  f = flight_begin("/v1/news", 1, 1000);
  assert_non_null(f);
  assert_true(now_ms() - t0 < 500);
  flight_end(f);
  flight_end(NULL); /* ignored */
}

static void flight_identical_miss_waits_for_the_leader(void **state) {
  (void)state;
  struct flight *lead = flight_begin("/v1/search?q=a", 7, 5000);
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
  flight_end(lead);
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    assert_null(fw[i].got); /* followers: look in the cache again */
    assert_true(fw[i].waited_ms >= 90 && fw[i].waited_ms < 4000);
  }
}

static void flight_other_key_or_generation_leads_its_own(void **state) {
  (void)state;
  struct flight *lead = flight_begin("/v1/news?limit=5", 3, 5000);
  assert_non_null(lead);
  struct flight *other_key = flight_begin("/v1/news?limit=6", 3, 5000);
  struct flight *newer = flight_begin("/v1/news?limit=5", 4, 5000); /* after a write */
  assert_non_null(other_key);
  assert_non_null(newer);
  flight_end(newer);
  flight_end(other_key);
  flight_end(lead);
}

static void flight_wait_is_bounded(void **state) {
  (void)state;
  struct flight *lead = flight_begin("/v1/feeds/news.atom", 9, 5000);
  assert_non_null(lead);
  struct follower fw = {.key = "/v1/feeds/news.atom", .generation = 9, .timeout_ms = 150};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, follow, &fw), 0);
  pthread_join(th, NULL); /* returns on its own, the leader still in flight */
  assert_null(fw.got);
  assert_true(fw.waited_ms >= 140 && fw.waited_ms < 3000);
  flight_end(lead); /* the leader's end after a waiter gave up frees it once (ASan run) */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(flight_first_miss_leads),
      cmocka_unit_test(flight_identical_miss_waits_for_the_leader),
      cmocka_unit_test(flight_other_key_or_generation_leads_its_own),
      cmocka_unit_test(flight_wait_is_bounded),
  };
  return cmocka_run_group_tests_name("flight", tests, NULL, NULL);
}
