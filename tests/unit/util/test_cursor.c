/* test_cursor.c: signed keyset cursors (src/util/cursor.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/cursor.h"

static int setup(void **state) {
  (void)state;
  cursor_set_secret("unit-test-secret", 16);
  return 0;
}

static void cursor_round_trips_keys(void **state) {
  (void)state;
  const char *keys[2] = {"2020-10-08 00:00:00+00", "0b1c8f0e-5a3c-4d52-9a9e-2f6b1d1e7c11"};
  char *t = cursor_encode("news:p", keys, 2);
  assert_non_null(t);
  char *out[2] = {0};
  assert_int_equal(cursor_decode(t, "news:p", out, 2), IASC_OK);
  assert_string_equal(out[0], keys[0]);
  assert_string_equal(out[1], keys[1]);
  free(out[0]);
  free(out[1]);
  free(t);
}

/* The payload is JSON written by hand (not by jansson): keys that need escaping, and a
 * missing key (an empty string), come back as they went in, and the payload is exactly the
 * compact array a JSON library would make. */
static void cursor_escapes_keys(void **state) {
  (void)state;
  const char *keys[3] = {"a \"quoted\" \\ key", NULL, "line\nbreak"};
  char *t = cursor_encode("news:p", keys, 3);
  assert_non_null(t);
  char *out[3] = {0};
  assert_int_equal(cursor_decode(t, "news:p", out, 3), IASC_OK);
  assert_string_equal(out[0], keys[0]);
  assert_string_equal(out[1], "");
  assert_string_equal(out[2], keys[2]);
  for (int i = 0; i < 3; i++)
    free(out[i]);
  free(t);
  /* base64url of ["k","v"] is WyJrIiwidiJd */
  const char *one[1] = {"v"};
  t = cursor_encode("k", one, 1);
  assert_non_null(t);
  assert_memory_equal(t, "WyJrIiwidiJd.", 13);
  free(t);
}

static void cursor_rejects_every_single_character_change(void **state) {
  (void)state;
  const char *keys[2] = {"-infinity", "abc"};
  char *t = cursor_encode("news:p", keys, 2);
  size_t n = strlen(t);
  for (size_t i = 0; i < n; i++) {
    char saved = t[i];
    t[i] = saved == 'A' ? 'B' : 'A';
    char *out[2] = {0};
    assert_int_equal(cursor_decode(t, "news:p", out, 2), IASC_INVALID_CURSOR);
    t[i] = saved;
  }
  free(t);
}

static void cursor_rejects_other_listing(void **state) {
  (void)state;
  const char *keys[2] = {"1", "2"};
  char *t = cursor_encode("news:p", keys, 2);
  char *out[2] = {0};
  assert_int_equal(cursor_decode(t, "news:r", out, 2), IASC_INVALID_CURSOR);
  assert_int_equal(cursor_decode(t, "news:p", out, 3), IASC_INVALID_CURSOR);
  free(t);
}

static void cursor_rejects_garbage(void **state) {
  (void)state;
  const char *bad[] = {"",
                       ".",
                       "abc",
                       "abc.def",
                       "eyJ9.AAAAAAAAAAAAAAAAAAAAAA",
                       "!!!.???",
                       "WyJuZXdzOnAiLCIxIiwiMiJd.AAAAAAAAAAAAAAAAAAAAAA"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *out[2] = {0};
    assert_int_equal(cursor_decode(bad[i], "news:p", out, 2), IASC_INVALID_CURSOR);
  }
  char *huge = malloc(5000);
  memset(huge, 'A', 4999);
  huge[4999] = '\0';
  char *out[2] = {0};
  assert_int_equal(cursor_decode(huge, "news:p", out, 2), IASC_INVALID_CURSOR);
  free(huge);
}

static void cursor_is_url_safe(void **state) {
  (void)state;
  const char *keys[1] = {"jurisdiction with spaces/and+plus?&="};
  char *t = cursor_encode("k", keys, 1);
  for (const char *p = t; *p; p++)
    assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", *p));
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cursor_round_trips_keys),
      cmocka_unit_test(cursor_escapes_keys),
      cmocka_unit_test(cursor_rejects_every_single_character_change),
      cmocka_unit_test(cursor_rejects_other_listing),
      cmocka_unit_test(cursor_rejects_garbage),
      cmocka_unit_test(cursor_is_url_safe),
  };
  return cmocka_run_group_tests_name("cursor", tests, setup, NULL);
}
