/* test_conditional.c: entity-tags, HTTP-dates and the 304 decision (src/http/conditional.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The file under test, for its static parsers. */
#include "../../../src/http/conditional.c"

/* 1994-11-06T08:49:37Z, the RFC's example date. */
#define RFC_EXAMPLE ((time_t)784111777)

static void conditional_hash_matches_xxh64_reference_vectors(void **state) {
  (void)state;
  assert_true(conditional_hash64("", 0) == 0xEF46DB3751D8E999ULL);
  assert_true(conditional_hash64("a", 1) == 0xD24EC4F1A98C6E5BULL);
  assert_true(conditional_hash64("abc", 3) == 0x44BC2CF5AD770999ULL);
  const char *s = "Nobody inspects the spammish repetition"; /* 39 bytes: the 32-byte loop */
  assert_true(conditional_hash64(s, strlen(s)) == 0xFBCEA83C8A378BF1ULL);
}

static void conditional_etag_is_quoted_hex_and_depends_on_every_byte(void **state) {
  (void)state;
  char a[CONDITIONAL_ETAG_MAX], b[CONDITIONAL_ETAG_MAX];
  conditional_etag_for("abc", 3, a);
  assert_string_equal(a, "\"44bc2cf5ad770999\"");
  conditional_etag_for("abd", 3, b);
  assert_string_not_equal(a, b);
  conditional_etag_for("", 0, b);
  assert_string_equal(b, "\"ef46db3751d8e999\"");
}

static void conditional_gzip_etag_inserts_suffix_before_closing_quote(void **state) {
  (void)state;
  char out[CONDITIONAL_ETAG_MAX];
  assert_true(conditional_etag_gzip("\"abc\"", out));
  assert_string_equal(out, "\"abc-gz\"");
  assert_true(conditional_etag_gzip("W/\"abc\"", out));
  assert_string_equal(out, "W/\"abc-gz\"");
  char tag[CONDITIONAL_ETAG_MAX];
  conditional_etag_for("x", 1, tag);
  assert_true(conditional_etag_gzip(tag, out));
  assert_int_equal(strlen(out), strlen(tag) + 3);
  assert_false(conditional_etag_gzip("abc", out));
  assert_string_equal(out, "");
  assert_false(conditional_etag_gzip("\"abc\" x", out));
  assert_false(conditional_etag_gzip("\"0123456789abcdef01234\"", out)); /* would not fit */
  assert_false(conditional_etag_gzip(NULL, out));
}

static void conditional_star_matches_any_etag(void **state) {
  (void)state;
  assert_true(conditional_etag_match("*", "\"abc\""));
  assert_true(conditional_etag_match("  * ", "W/\"abc\""));
  assert_false(conditional_etag_match("*, \"abc\"", "\"zzz\""));
}

static void conditional_weak_comparison_matches_w_prefix(void **state) {
  (void)state;
  assert_true(conditional_etag_match("W/\"x\"", "\"x\""));
  assert_true(conditional_etag_match("\"x\"", "W/\"x\""));
  assert_true(conditional_etag_match("W/\"x\"", "W/\"x\""));
  assert_false(conditional_etag_match("W/\"x\"", "\"y\""));
  assert_false(conditional_etag_match("w/\"x\"", "\"x\"")); /* W/ is case-sensitive */
}

static void conditional_list_with_spaces_finds_member(void **state) {
  (void)state;
  const char *etag = "\"b\"";
  assert_true(conditional_etag_match("\"a\", \"b\"", etag));
  assert_true(conditional_etag_match("\"a\",\"b\"", etag));
  assert_true(conditional_etag_match(" \"a\" ,\t W/\"b\" , ", etag));
  assert_true(conditional_etag_match(",,\"b\"", etag));
  assert_true(conditional_etag_match("\"a,b\", \"b\"", etag)); /* a comma inside a tag */
  assert_false(conditional_etag_match("\"a\", \"c\"", etag));
  assert_false(conditional_etag_match("\"a,b\"", "\"a\""));
}

static void conditional_malformed_members_never_match(void **state) {
  (void)state;
  assert_false(conditional_etag_match("b", "\"b\""));         /* unquoted */
  assert_false(conditional_etag_match("\"b", "\"b\""));       /* unterminated */
  assert_false(conditional_etag_match("\"b\"x", "\"b\""));    /* trailing junk */
  assert_false(conditional_etag_match("W/ \"b\"", "\"b\""));  /* space after W/ */
  assert_false(conditional_etag_match("\"b c\"", "\"b c\"")); /* space is not etagc */
  assert_false(conditional_etag_match("", "\"b\""));
  assert_false(conditional_etag_match(NULL, "\"b\""));
  assert_false(conditional_etag_match("\"b\"", NULL));
  assert_false(conditional_etag_match("\"b\"", "b"));
  /* A malformed member does not hide a good one after it. */
  assert_true(conditional_etag_match("junk, \"b\"", "\"b\""));
}

static void conditional_formats_imf_fixdate(void **state) {
  (void)state;
  char d[CONDITIONAL_DATE_MAX];
  conditional_http_date(RFC_EXAMPLE, d);
  assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
  conditional_http_date(0, d);
  assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
  conditional_http_date(951782400, d); /* a leap day */
  assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 GMT");
  conditional_http_date(-5, d);
  assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void conditional_parses_all_three_date_forms(void **state) {
  (void)state;
  time_t t = 0;
  assert_true(conditional_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t));
  assert_int_equal(t, RFC_EXAMPLE);
  t = 0;
  assert_true(conditional_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
  assert_int_equal(t, RFC_EXAMPLE);
  t = 0;
  assert_true(conditional_parse_http_date("Sun Nov  6 08:49:37 1994", &t));
  assert_int_equal(t, RFC_EXAMPLE);
  t = 0;
  assert_true(conditional_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT; length=42", &t));
  assert_int_equal(t, RFC_EXAMPLE);
  assert_true(conditional_parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT", &t));
  assert_int_equal(t, 951782400);
  /* Round trip over a spread of instants. */
  for (time_t x = 0; x < (time_t)4102444800; x += 86399 * 37 + 13) {
    char d[CONDITIONAL_DATE_MAX];
    conditional_http_date(x, d);
    assert_true(conditional_parse_http_date(d, &t));
    assert_int_equal(t, x);
  }
}

static void conditional_rejects_invalid_dates(void **state) {
  (void)state;
  const char *bad[] = {
      "",
      "yesterday",
      "Sun, 06 Nov 1994 08:49:37",       /* no GMT */
      "Sun, 06 Nov 1994 08:49:37 UTC",   /* not GMT */
      "Sun, 6 Nov 1994 08:49:37 GMT",    /* one-digit day */
      "Sun, 31 Nov 1994 08:49:37 GMT",   /* no such day */
      "Tue, 29 Feb 1900 00:00:00 GMT",   /* 1900 is not a leap year */
      "Sun, 06 Nov 1994 24:00:00 GMT",   /* hour */
      "Sun, 06 Nov 1994 08:60:00 GMT",   /* minute */
      "Sun, 06 Foo 1994 08:49:37 GMT",   /* month */
      "Sux, 06 Nov 1994 08:49:37 GMT",   /* day name */
      "Sun, 06 Nov 1994 08:49:37 GMT x", /* trailing junk */
      "Sun, 06 Nov 94 08:49:37 GMT",     /* two-digit year in IMF */
      "1994-11-06T08:49:37Z",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    time_t t = 123;
    assert_false(conditional_parse_http_date(bad[i], &t));
    assert_int_equal(t, 123);
  }
  assert_false(conditional_parse_http_date(NULL, NULL));
}

static void conditional_not_modified_since_compares_inclusively(void **state) {
  (void)state;
  const char *ims = "Sun, 06 Nov 1994 08:49:37 GMT";
  assert_true(conditional_not_modified_since(ims, RFC_EXAMPLE));
  assert_true(conditional_not_modified_since(ims, RFC_EXAMPLE - 1));
  assert_false(conditional_not_modified_since(ims, RFC_EXAMPLE + 1));
  assert_false(conditional_not_modified_since("garbage", RFC_EXAMPLE));
  assert_false(conditional_not_modified_since(NULL, RFC_EXAMPLE));
  assert_false(conditional_not_modified_since(ims, 0)); /* unknown Last-Modified */
}

static void conditional_future_if_modified_since_is_ignored(void **state) {
  (void)state;
  char d[CONDITIONAL_DATE_MAX];
  conditional_http_date(time(NULL) + 86400, d);
  assert_false(conditional_not_modified_since(d, RFC_EXAMPLE));
}

static void conditional_if_none_match_takes_precedence_over_ims(void **state) {
  (void)state;
  const char *ims = "Sun, 06 Nov 1994 08:49:37 GMT"; /* would say "not modified" */
  const char *etag = "\"v1\"";
  assert_true(conditional_is_not_modified(NULL, ims, etag, RFC_EXAMPLE));
  assert_false(conditional_is_not_modified("\"v0\"", ims, etag, RFC_EXAMPLE));
  assert_false(conditional_is_not_modified("", ims, etag, RFC_EXAMPLE));
  assert_true(conditional_is_not_modified("W/\"v1\"", NULL, etag, RFC_EXAMPLE));
  assert_true(conditional_is_not_modified("*", NULL, NULL, 0));
  assert_false(conditional_is_not_modified(NULL, NULL, etag, RFC_EXAMPLE));
  assert_false(conditional_is_not_modified(NULL, ims, etag, RFC_EXAMPLE + 60));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(conditional_hash_matches_xxh64_reference_vectors),
      cmocka_unit_test(conditional_etag_is_quoted_hex_and_depends_on_every_byte),
      cmocka_unit_test(conditional_gzip_etag_inserts_suffix_before_closing_quote),
      cmocka_unit_test(conditional_star_matches_any_etag),
      cmocka_unit_test(conditional_weak_comparison_matches_w_prefix),
      cmocka_unit_test(conditional_list_with_spaces_finds_member),
      cmocka_unit_test(conditional_malformed_members_never_match),
      cmocka_unit_test(conditional_formats_imf_fixdate),
      cmocka_unit_test(conditional_parses_all_three_date_forms),
      cmocka_unit_test(conditional_rejects_invalid_dates),
      cmocka_unit_test(conditional_not_modified_since_compares_inclusively),
      cmocka_unit_test(conditional_future_if_modified_since_is_ignored),
      cmocka_unit_test(conditional_if_none_match_takes_precedence_over_ims),
  };
  return cmocka_run_group_tests_name("conditional", tests, NULL, NULL);
}
