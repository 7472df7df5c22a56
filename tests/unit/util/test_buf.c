/* test_buf.c: the growable buffer and its JSON/URL helpers (src/util/buf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/buf.h"

static void compact_removes_space_outside_strings_only(void **state) {
  (void)state;
  const char *in = "{\"id\" : \"a b\", \"t\" : \"x \\\" : y\",\n \"n\" : [1, 2]}";
  struct buf b = {0};
  buf_json_compact(&b, in, strlen(in));
  assert_string_equal(b.data, "{\"id\":\"a b\",\"t\":\"x \\\" : y\",\"n\":[1,2]}");
  buf_free(&b);
}

static void compact_keeps_escaped_backslash_before_quote(void **state) {
  (void)state;
  const char *in = "{\"p\" : \"C:\\\\\" , \"q\" : 1}";
  struct buf b = {0};
  buf_json_compact(&b, in, strlen(in));
  assert_string_equal(b.data, "{\"p\":\"C:\\\\\",\"q\":1}");
  buf_free(&b);
}

static void compact_copies_strings_with_escapes_whole(void **state) {
  (void)state;
  /* Escaped quotes, runs of backslashes before a quote, spaces inside, an unclosed string. */
  const char *in = "[ \"a \\\" b\" , \"\\\\\\\\\" , \"\\\\\\\" \" , {\"k\" : \"v w";
  struct buf b = {0};
  buf_json_compact(&b, in, strlen(in));
  assert_string_equal(b.data, "[\"a \\\" b\",\"\\\\\\\\\",\"\\\\\\\" \",{\"k\":\"v w");
  buf_json_compact(&b, "", 0);
  buf_json_compact(&b, " \"", 2);
  assert_string_equal(b.data, "[\"a \\\" b\",\"\\\\\\\\\",\"\\\\\\\" \",{\"k\":\"v w\"");
  buf_free(&b);
}

static void json_string_escapes_controls(void **state) {
  (void)state;
  struct buf b = {0};
  buf_json_string(&b, "a\"b\\c\n\x01");
  assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
  buf_free(&b);
}

static void url_encode_keeps_unreserved(void **state) {
  (void)state;
  struct buf b = {0};
  buf_url_encode(&b, "England and Wales/£?&=~-_.");
  assert_string_equal(b.data, "England%20and%20Wales%2F%C2%A3%3F%26%3D~-_.");
  buf_free(&b);
}

static void url_encode_path_keeps_slashes(void **state) {
  (void)state;
  struct buf b = {0};
  buf_url_encode_path(&b, "/v1/support-rates/England and Wales/£?#");
  assert_string_equal(b.data, "/v1/support-rates/England%20and%20Wales/%C2%A3%3F%23");
  buf_free(&b);
}

static void printf_grows_the_buffer(void **state) {
  (void)state;
  struct buf b = {0};
  for (int i = 0; i < 1000; i++)
    buf_printf(&b, "%04d", i);
  assert_int_equal(b.len, 4000);
  assert_memory_equal(b.data + 3996, "0999", 4);
  buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(compact_removes_space_outside_strings_only),
      cmocka_unit_test(compact_keeps_escaped_backslash_before_quote),
      cmocka_unit_test(compact_copies_strings_with_escapes_whole),
      cmocka_unit_test(json_string_escapes_controls),
      cmocka_unit_test(url_encode_keeps_unreserved),
      cmocka_unit_test(url_encode_path_keeps_slashes),
      cmocka_unit_test(printf_grows_the_buffer),
  };
  return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
