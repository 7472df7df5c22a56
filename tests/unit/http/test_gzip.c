/* test_gzip.c: Accept-Encoding negotiation and gzip compression (src/http/gzip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "gzip.h"

/* Inflates a gzip member (windowBits 15+16 accepts gzip only) into a malloc'd buffer. */
static unsigned char *gunzip(const void *in, size_t n, size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
  size_t cap = 1024, len = 0;
  unsigned char *out = malloc(cap);
  zs.next_in = (unsigned char *)in;
  zs.avail_in = (uInt)n;
  int rc;
  do {
    if (len == cap) {
      cap *= 2;
      out = realloc(out, cap);
    }
    zs.next_out = out + len;
    zs.avail_out = (uInt)(cap - len);
    rc = inflate(&zs, Z_NO_FLUSH);
    len = cap - zs.avail_out;
    assert_true(rc == Z_OK || rc == Z_STREAM_END);
  } while (rc != Z_STREAM_END);
  assert_int_equal(zs.avail_in, 0); /* nothing after the member */
  inflateEnd(&zs);
  *out_len = len;
  return out;
}

static void gzip_missing_header_means_identity(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate(NULL), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate(""), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("  "), GZIP_IDENTITY);
}

static void gzip_used_when_listed(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("gzip"), GZIP_USE);
  assert_int_equal(gzip_negotiate("gzip, deflate, br"), GZIP_USE);
  assert_int_equal(gzip_negotiate("br;q=1.0, gzip;q=0.8, *;q=0.1"), GZIP_USE);
  assert_int_equal(gzip_negotiate("GZIP"), GZIP_USE);
  assert_int_equal(gzip_negotiate("x-gzip"), GZIP_USE);
  assert_int_equal(gzip_negotiate("X-Gzip ; Q=0.5"), GZIP_USE);
  assert_int_equal(gzip_negotiate("*"), GZIP_USE);
  assert_int_equal(gzip_negotiate("deflate,gzip;q=1"), GZIP_USE);
}

static void gzip_not_used_for_other_codings_only(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("br"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("deflate, zstd"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzipx"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("identity"), GZIP_IDENTITY);
}

static void gzip_q_zero_in_every_spelling_refuses_gzip(void **state) {
  (void)state;
  const char *refuse[] = {"gzip;q=0",   "gzip;q=0.0", "gzip;q=0.000", "gzip; q=0",
                          "gzip ;q=0.", "gzip;Q=0",   "*, gzip;q=0",  "x-gzip;q=0"};
  for (size_t i = 0; i < sizeof refuse / sizeof refuse[0]; i++)
    assert_int_equal(gzip_negotiate(refuse[i]), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=0.001"), GZIP_USE);
  assert_int_equal(gzip_negotiate("gzip;q=1.000"), GZIP_USE);
}

static void gzip_prefers_identity_when_identity_weighs_more(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("gzip;q=0.5, identity;q=1"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=0.5, identity"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=0.5, *;q=0.6"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=0.5, identity;q=0.5"), GZIP_USE);
  assert_int_equal(gzip_negotiate("gzip, identity;q=0.5"), GZIP_USE);
}

static void gzip_refuses_when_identity_q0_and_no_gzip(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("identity;q=0"), GZIP_NONE_ACCEPTABLE);
  assert_int_equal(gzip_negotiate("*;q=0"), GZIP_NONE_ACCEPTABLE);
  assert_int_equal(gzip_negotiate("br, *;q=0"), GZIP_NONE_ACCEPTABLE);
  assert_int_equal(gzip_negotiate("gzip;q=0, identity;q=0.000"), GZIP_NONE_ACCEPTABLE);
  /* An explicit identity entry outranks "*". */
  assert_int_equal(gzip_negotiate("identity, *;q=0"), GZIP_IDENTITY);
}

static void gzip_required_when_identity_refused_but_gzip_acceptable(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("gzip, identity;q=0"), GZIP_ONLY);
  assert_int_equal(gzip_negotiate("gzip;q=0.1, *;q=0"), GZIP_ONLY);
  assert_true(gzip_should_compress(GZIP_ONLY, 10));
  assert_false(gzip_should_compress(GZIP_USE, GZIP_MIN_BYTES - 1));
  assert_true(gzip_should_compress(GZIP_USE, GZIP_MIN_BYTES));
  assert_false(gzip_should_compress(GZIP_IDENTITY, 100000));
  assert_false(gzip_should_compress(GZIP_NONE_ACCEPTABLE, 100000));
}

static void gzip_ignores_members_with_malformed_q(void **state) {
  (void)state;
  assert_int_equal(gzip_negotiate("gzip;q=2"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=abc"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=0.0001"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=1.5"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q=-1"), GZIP_IDENTITY);
  assert_int_equal(gzip_negotiate("gzip;q="), GZIP_IDENTITY);
  /* A malformed "identity;q=" does not refuse identity. */
  assert_int_equal(gzip_negotiate("identity;q=zero"), GZIP_IDENTITY);
  /* A duplicate: the highest q counts. */
  assert_int_equal(gzip_negotiate("gzip;q=0, gzip;q=0.5"), GZIP_USE);
}

static void gzip_output_inflates_back_to_input(void **state) {
  (void)state;
  size_t n = 200000;
  char *in = malloc(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; i++) { /* half text, half noise: both paths of deflate */
    x = x * 1103515245u + 12345u;
    in[i] = i < n / 2 ? "{\"title\":\"Modern slavery\"}"[i % 26] : (char)(x >> 24);
  }
  struct buf out = {0};
  buf_puts(&out, "prefix");
  assert_true(gzip_compress(in, n, &out));
  assert_memory_equal(out.data, "prefix", 6);
  const unsigned char *gz = (const unsigned char *)out.data + 6;
  assert_int_equal(gz[0], 0x1f); /* gzip magic */
  assert_int_equal(gz[1], 0x8b);
  size_t len = 0;
  unsigned char *back = gunzip(gz, out.len - 6, &len);
  assert_int_equal(len, n);
  assert_memory_equal(back, in, n);
  assert_true(out.len - 6 < n); /* the text half compresses */
  free(back);
  free(in);
  buf_free(&out);
}

static void gzip_compresses_empty_input_to_valid_member(void **state) {
  (void)state;
  struct buf out = {0};
  assert_true(gzip_compress(NULL, 0, &out));
  assert_true(out.len >= 18);
  size_t len = 99;
  unsigned char *back = gunzip(out.data, out.len, &len);
  assert_int_equal(len, 0);
  free(back);
  buf_free(&out);
}

static void gzip_refuses_a_failed_buffer(void **state) {
  (void)state;
  struct buf out = {0};
  out.failed = true;
  assert_false(gzip_compress("abc", 3, &out));
  assert_null(out.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gzip_missing_header_means_identity),
      cmocka_unit_test(gzip_used_when_listed),
      cmocka_unit_test(gzip_not_used_for_other_codings_only),
      cmocka_unit_test(gzip_q_zero_in_every_spelling_refuses_gzip),
      cmocka_unit_test(gzip_prefers_identity_when_identity_weighs_more),
      cmocka_unit_test(gzip_refuses_when_identity_q0_and_no_gzip),
      cmocka_unit_test(gzip_required_when_identity_refused_but_gzip_acceptable),
      cmocka_unit_test(gzip_ignores_members_with_malformed_q),
      cmocka_unit_test(gzip_output_inflates_back_to_input),
      cmocka_unit_test(gzip_compresses_empty_input_to_valid_member),
      cmocka_unit_test(gzip_refuses_a_failed_buffer),
  };
  return cmocka_run_group_tests_name("gzip", tests, NULL, NULL);
}
