/* test_text.c: hex, UTF-8, control characters, dates and timestamps (src/util/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/text.h"

static void hex_is_lower_case_and_terminated(void **state) {
  (void)state;
  const unsigned char in[] = {0x00, 0x9f, 0xa0, 0xff};
  char out[9];
  memset(out, 'x', sizeof out);
  text_hex(in, sizeof in, out);
  assert_string_equal(out, "009fa0ff");
  text_hex(in, 0, out);
  assert_string_equal(out, "");
}

static void utf8_accepts_valid_and_refuses_the_rest(void **state) {
  (void)state;
  assert_true(text_valid_utf8("plain", 5));
  assert_true(text_valid_utf8("\xC2\xA3 \xE2\x82\xAC \xF0\x9F\x98\x80", 12));
  assert_false(text_valid_utf8("\xC0\xAF", 2));         /* overlong '/' */
  assert_false(text_valid_utf8("\xED\xA0\x80", 3));     /* a surrogate */
  assert_false(text_valid_utf8("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
  assert_false(text_valid_utf8("\x80", 1));             /* a stray continuation */
  assert_false(text_valid_utf8("\xE2\x82", 2));         /* truncated */
  assert_false(text_valid_utf8("\xE2\x82\xAC", 2));     /* cut by n */
}

static void utf8_decode_reports_length_and_code_point(void **state) {
  (void)state;
  size_t len;
  assert_int_equal(text_utf8_decode((const unsigned char *)"\xE2\x82\xAC", 3, &len), 0x20AC);
  assert_int_equal(len, 3);
  assert_int_equal(text_utf8_decode((const unsigned char *)"\xE2\x82", 4, &len), -1);
  assert_int_equal(len, 1);
  assert_int_equal(text_utf8_chars("a\xC2\xA3\xE2\x82\xAC"), 3);
}

static void controls_are_found_and_newlines_allowed_on_request(void **state) {
  (void)state;
  assert_false(text_has_control("fine text", false));
  assert_true(text_has_control("bell\a", false));
  assert_true(text_has_control("del\x7f", true));
  assert_true(text_has_control("line\nbreak", false));
  assert_false(text_has_control("line\nbreak\ttab\r", true));
}

static void date_must_be_a_real_day(void **state) {
  (void)state;
  assert_true(text_valid_date("2018-06-01"));
  assert_true(text_valid_date("2024-02-29"));
  assert_false(text_valid_date("2023-02-29"));
  assert_false(text_valid_date("2018-02-30"));
  assert_false(text_valid_date("2018-13-01"));
  assert_false(text_valid_date("2018-6-1"));
  assert_false(text_valid_date("today"));
}

static void timestamp_needs_rfc3339_with_zone(void **state) {
  (void)state;
  assert_true(text_valid_timestamp("2020-01-01T00:00:00Z"));
  assert_true(text_valid_timestamp("2020-01-01T00:00:00.123456+01:00"));
  assert_false(text_valid_timestamp("2020-01-01T00:00:00"));
  assert_false(text_valid_timestamp("2020-01-01"));
  assert_false(text_valid_timestamp("2020-01-01T25:00:00Z"));
  assert_false(text_valid_timestamp("2020-01-01T00:00:00.1234567Z"));
  assert_true(text_valid_timestamp("2024-01-01T00:00:00-15:59"));
  assert_false(text_valid_timestamp("2024-01-01T00:00:00+16:00")); /* PostgreSQL refuses it */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hex_is_lower_case_and_terminated),
      cmocka_unit_test(utf8_accepts_valid_and_refuses_the_rest),
      cmocka_unit_test(utf8_decode_reports_length_and_code_point),
      cmocka_unit_test(controls_are_found_and_newlines_allowed_on_request),
      cmocka_unit_test(date_must_be_a_real_day),
      cmocka_unit_test(timestamp_needs_rfc3339_with_zone),
  };
  return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
