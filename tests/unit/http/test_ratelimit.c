/* test_ratelimit.c: token buckets (src/http/ratelimit.c), on a clock the test sets: refill,
 * refusal and an honest Retry-After, RateLimit values, kinds and keys apart, and a table
 * that stays within its bound. The .c is included to reach check_at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../src/http/ratelimit.c"

#define SEC 1000000000LL

static const struct rate_policy POLICIES[RATE_KINDS] = {
    [RATE_ADDRESS] = {"default", 60, 5}, /* one a second, five at once */
    [RATE_TOKEN] = {"token", 600, 20},
    [RATE_AUTH] = {"auth", 0, 1}, /* off */
};

static int setup(void **state) {
  (void)state;
  return ratelimit_init(POLICIES, 64);
}

static int teardown(void **state) {
  (void)state;
  ratelimit_shutdown();
  return 0;
}

static const uint8_t *key(uint8_t n) {
  static uint8_t k[16];
  memset(k, 0, sizeof k);
  k[15] = n;
  return k;
}

static void a_burst_counts_down_then_is_refused(void **state) {
  (void)state;
  struct rate_verdict v;
  for (unsigned i = 0; i < 5; i++) {
    check_at(RATE_ADDRESS, key(1), true, 100 * SEC, &v);
    assert_false(v.refused);
    assert_string_equal(v.policy->name, "default");
    assert_int_equal(v.remaining, 4 - i);
    assert_int_equal(v.reset, i + 1); /* seconds until full again, at one a second */
  }
  check_at(RATE_ADDRESS, key(1), true, 100 * SEC, &v);
  assert_true(v.refused);
  assert_int_equal(v.remaining, 0);
  assert_int_equal(v.retry_after, 1);
  assert_int_equal(v.reset, v.retry_after);
}

static void retry_after_is_honest(void **state) {
  (void)state;
  struct rate_verdict v;
  for (int i = 0; i < 6; i++)
    check_at(RATE_ADDRESS, key(2), true, 10 * SEC, &v);
  assert_true(v.refused);
  /* Just before Retry-After: still refused; at it: passes. */
  check_at(RATE_ADDRESS, key(2), true, 10 * SEC + v.retry_after * SEC - SEC / 10, &v);
  assert_true(v.refused);
  check_at(RATE_ADDRESS, key(2), true, 10 * SEC + 1 * SEC, &v);
  assert_false(v.refused);
  /* Half a token left over half a second: 1 s until the next. */
  check_at(RATE_ADDRESS, key(2), true, 11 * SEC + SEC / 2, &v);
  assert_true(v.refused);
  assert_int_equal(v.retry_after, 1);
}

static void a_bucket_refills_to_its_burst_and_no_more(void **state) {
  (void)state;
  struct rate_verdict v;
  check_at(RATE_ADDRESS, key(3), true, 0, &v);
  check_at(RATE_ADDRESS, key(3), true, 3600 * SEC, &v);
  assert_int_equal(v.remaining, 4);
  /* A clock that goes back never adds tokens. */
  check_at(RATE_ADDRESS, key(3), true, 3599 * SEC, &v);
  assert_int_equal(v.remaining, 3);
}

static void kinds_and_keys_have_their_own_buckets(void **state) {
  (void)state;
  struct rate_verdict v;
  for (int i = 0; i < 5; i++)
    check_at(RATE_ADDRESS, key(4), true, 0, &v);
  check_at(RATE_ADDRESS, key(5), true, 0, &v);
  assert_int_equal(v.remaining, 4);
  check_at(RATE_TOKEN, key(4), true, 0, &v);
  assert_string_equal(v.policy->name, "token");
  assert_int_equal(v.remaining, 19);
  assert_int_equal(v.reset, 1); /* 10 a second: a tenth of a second, rounded up */
}

static void looking_takes_nothing(void **state) {
  (void)state;
  struct rate_verdict v;
  check_at(RATE_ADDRESS, key(6), false, 0, &v);
  assert_false(v.refused);
  assert_int_equal(v.remaining, 5);
  assert_int_equal(ratelimit_entries(), 0); /* an absent bucket is full: nothing stored */
  check_at(RATE_ADDRESS, key(6), true, 0, &v);
  check_at(RATE_ADDRESS, key(6), false, 0, &v);
  assert_int_equal(v.remaining, 4);
}

static void a_kind_without_a_limit_gives_no_verdict(void **state) {
  (void)state;
  struct rate_verdict v;
  assert_false(ratelimit_enabled(RATE_AUTH));
  check_at(RATE_AUTH, key(7), true, 0, &v);
  assert_null(v.policy);
  assert_false(v.refused);
}

static void the_table_stays_within_its_bound(void **state) {
  (void)state;
  struct rate_verdict v;
  uint8_t k[16] = {0};
  for (uint32_t i = 0; i < 10000; i++) {
    memcpy(k, &i, sizeof i);
    check_at(RATE_ADDRESS, k, true, SEC, &v);
    assert_false(v.refused); /* a new client starts full */
  }
  assert_true(ratelimit_entries() <= 64);
  /* The most recent clients are still known: the last one has 4 left, then 3. */
  check_at(RATE_ADDRESS, k, true, SEC, &v);
  assert_int_equal(v.remaining, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(a_burst_counts_down_then_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(retry_after_is_honest, setup, teardown),
      cmocka_unit_test_setup_teardown(a_bucket_refills_to_its_burst_and_no_more, setup, teardown),
      cmocka_unit_test_setup_teardown(kinds_and_keys_have_their_own_buckets, setup, teardown),
      cmocka_unit_test_setup_teardown(looking_takes_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(a_kind_without_a_limit_gives_no_verdict, setup, teardown),
      cmocka_unit_test_setup_teardown(the_table_stays_within_its_bound, setup, teardown),
  };
  return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
