/* test_tokens.c: bearer token hashing, scopes, expiry and header parsing (src/domain/tokens.c),
 * without a database: nothing here reaches db_exec (a well-formed token would: the HTTP tests
 * cover that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The file under test, for its static functions (auth_parse_expiry, auth_valid_scopes). */
#include "../../../src/domain/tokens.c"

static struct principal with_scopes(const char *scopes) {
  struct principal p;
  memset(&p, 0, sizeof p);
  snprintf(p.id, sizeof p.id, "00000000-0000-0000-0000-000000000000");
  snprintf(p.name, sizeof p.name, "test");
  snprintf(p.scopes, sizeof p.scopes, "%s", scopes);
  return p;
}

/* Parses spec from a heap copy of exactly its size, so that ASan sees any read past it. */
static bool expiry(const char *spec, char *out, size_t size, bool *never) {
  char *copy = spec ? strdup(spec) : NULL;
  bool ok = auth_parse_expiry(copy, out, size, never);
  free(copy);
  return ok;
}

/* auth_authenticate on a heap copy of header. Only for headers refused before the lookup. */
static enum auth_outcome authenticate(const char *header) {
  struct principal who;
  memset(&who, 0x5a, sizeof who);
  char *copy = strdup(header);
  enum auth_outcome o = auth_authenticate(copy, &who);
  free(copy);
  assert_int_not_equal(o, AUTH_OK);
  return o;
}

/* "Bearer " (or another prefix) then n copies of c. */
static char *header_of(const char *prefix, char c, size_t n) {
  size_t p = strlen(prefix);
  char *h = malloc(p + n + 1);
  memcpy(h, prefix, p);
  memset(h + p, c, n);
  h[p + n] = '\0';
  return h;
}

static void hash_is_sha256_in_lower_case_hex(void **state) {
  (void)state;
  char out[65];
  assert_true(auth_hash("abc", out));
  assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_true(auth_hash("", out));
  assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_true(auth_hash("iasc_0123456789abcdef", out));
  assert_int_equal(strlen(out), 64);
  for (size_t i = 0; i < 64; i++)
    assert_non_null(strchr("0123456789abcdef", out[i]));
}

static void hash_differs_for_different_tokens(void **state) {
  (void)state;
  char a[65], b[65];
  assert_true(auth_hash("iasc_a", a));
  assert_true(auth_hash("iasc_b", b));
  assert_string_not_equal(a, b);
  assert_true(auth_hash("iasc_a", b));
  assert_string_equal(a, b);
}

static void scope_matches_exactly(void **state) {
  (void)state;
  struct principal p = with_scopes("news:write");
  assert_true(auth_has_scope(&p, "news:write"));
  assert_false(auth_has_scope(&p, "publications:write"));
  assert_false(auth_has_scope(&p, "admin"));
  assert_false(auth_has_scope(&p, "NEWS:WRITE"));
}

static void admin_includes_every_scope(void **state) {
  (void)state;
  struct principal p = with_scopes("admin");
  const char *scopes[] = {"news:write",          "publications:write", "helplines:write",
                          "support-rates:write", "resources:write",    "admin"};
  for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++)
    assert_true(auth_has_scope(&p, scopes[i]));
  p = with_scopes("news:write,admin");
  assert_true(auth_has_scope(&p, "resources:write"));
  /* Only the whole word admin: "administrator" or "admin:read" are not admin. */
  p = with_scopes("administrator");
  assert_false(auth_has_scope(&p, "news:write"));
  p = with_scopes("admin:read");
  assert_false(auth_has_scope(&p, "news:write"));
}

static void scope_lists_are_comma_separated(void **state) {
  (void)state;
  struct principal p = with_scopes("news:write,helplines:write,resources:write");
  assert_true(auth_has_scope(&p, "news:write"));
  assert_true(auth_has_scope(&p, "helplines:write"));
  assert_true(auth_has_scope(&p, "resources:write"));
  assert_false(auth_has_scope(&p, "support-rates:write"));
  assert_false(auth_has_scope(&p, "admin"));
  /* A trailing comma ends the list. */
  p = with_scopes("news:write,");
  assert_true(auth_has_scope(&p, "news:write"));
  assert_false(auth_has_scope(&p, "helplines:write"));
}

static void a_prefix_of_a_scope_is_not_the_scope(void **state) {
  (void)state;
  struct principal p = with_scopes("news:write");
  assert_false(auth_has_scope(&p, "news"));
  assert_false(auth_has_scope(&p, "news:"));
  assert_false(auth_has_scope(&p, "news:writer"));
  p = with_scopes("news,publications:write");
  assert_false(auth_has_scope(&p, "news:write"));
  p = with_scopes("news:writer");
  assert_false(auth_has_scope(&p, "news:write"));
}

static void no_scopes_hold_nothing(void **state) {
  (void)state;
  struct principal p = with_scopes("");
  assert_false(auth_has_scope(&p, "news:write"));
  assert_false(auth_has_scope(&p, "admin"));
}

static void valid_scopes_are_known_names_comma_separated(void **state) {
  (void)state;
  assert_true(auth_valid_scopes("news:write"));
  assert_true(auth_valid_scopes("admin"));
  assert_true(auth_valid_scopes("news:write,publications:write,helplines:write,support-rates:"
                                "write,resources:write,admin"));
  assert_false(auth_valid_scopes(""));
  assert_false(auth_valid_scopes("news"));
  assert_false(auth_valid_scopes("news:read"));
  assert_false(auth_valid_scopes("News:Write"));
  assert_false(auth_valid_scopes("news:write,unknown"));
  assert_false(auth_valid_scopes("news:write admin"));
  assert_false(auth_valid_scopes("news:write, admin"));
  assert_false(auth_valid_scopes("news:writes"));
  assert_false(auth_valid_scopes(",news:write"));
  assert_false(auth_valid_scopes("news:write,,admin"));
  assert_false(auth_valid_scopes(","));
}

static void valid_scopes_refuse_a_trailing_comma(void **state) {
  (void)state;
  assert_false(auth_valid_scopes("news:write,"));
  assert_false(auth_valid_scopes("admin,"));
}

static void expiry_takes_days_hours_and_minutes(void **state) {
  (void)state;
  char out[32];
  bool never = true;
  assert_true(expiry("90d", out, sizeof out, &never));
  assert_false(never);
  assert_string_equal(out, "90 days");
  assert_true(expiry("12h", out, sizeof out, &never));
  assert_string_equal(out, "12 hours");
  assert_true(expiry("30m", out, sizeof out, &never));
  assert_string_equal(out, "30 minutes");
  assert_true(expiry("1d", out, sizeof out, &never));
  assert_string_equal(out, "1 days");
  assert_true(expiry("3650d", out, sizeof out, &never));
  assert_string_equal(out, "3650 days");
  assert_false(never);
}

static void expiry_never_or_absent_means_never(void **state) {
  (void)state;
  char out[32] = "untouched";
  bool never = false;
  assert_true(expiry("never", out, sizeof out, &never));
  assert_true(never);
  never = false;
  assert_true(expiry(NULL, out, sizeof out, &never));
  assert_true(never);
  assert_string_equal(out, "untouched");
}

static void expiry_refuses_anything_else(void **state) {
  (void)state;
  const char *bad[] = {"0d",   "-1d",   "3651d", "5x",  "d",  "5dd",
                       "",     "Never", "5 d",   "5d ", "5D", "99999999999999999999d",
                       "1.5d", "5s",    "5w",    "h",   "0m", "never!",
                       "nev"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char out[32];
    bool never = true;
    if (expiry(bad[i], out, sizeof out, &never))
      fail_msg("\"%s\" was accepted as %s", bad[i], out);
    assert_false(never);
  }
}

static void expiry_without_a_unit_is_refused_without_reading_past_it(void **state) {
  (void)state;
  /* A number without a unit: refused without reading past the end (ASan would see it). */
  char out[32];
  bool never = true;
  assert_false(expiry("5", out, sizeof out, &never));
  assert_false(expiry("3650", out, sizeof out, &never));
}

static void expiry_output_fits_the_buffer(void **state) {
  (void)state;
  char out[8];
  bool never;
  memset(out, 'x', sizeof out);
  assert_true(expiry("3650m", out, 6, &never));
  assert_string_equal(out, "3650 ");
  assert_int_equal(out[6], 'x');
}

static void a_header_that_is_not_bearer_is_malformed(void **state) {
  (void)state;
  const char *bad[] = {"",          "Basic abc",   "Basic dXNlcjpwYXNz",
                       "Bearer",    "Bearerabc",   "Bearer\tabc",
                       "Token abc", " Bearer abc", "Bear abc"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (authenticate(bad[i]) != AUTH_MALFORMED)
      fail_msg("\"%s\" is not AUTH_MALFORMED", bad[i]);
}

static void an_empty_token_is_malformed(void **state) {
  (void)state;
  assert_int_equal(authenticate("Bearer "), AUTH_MALFORMED);
  assert_int_equal(authenticate("Bearer     "), AUTH_MALFORMED);
  assert_int_equal(authenticate("bearer "), AUTH_MALFORMED);
}

static void a_token_with_other_characters_is_malformed(void **state) {
  (void)state;
  /* Allowed: letters, digits and - _ . ~ + / = (RFC 6750's b64token). */
  const char *bad[] = {"Bearer a b",  "Bearer a\tb",   "Bearer abc!",  "Bearer a,b",
                       "Bearer a;b",  "Bearer \"ab\"", "Bearer a\x7f", "Bearer caf\xC3\xA9",
                       "Bearer a\nb", "Bearer a@b",    "Bearer a:b",   "Bearer  x y "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (authenticate(bad[i]) != AUTH_MALFORMED)
      fail_msg("\"%s\" is not AUTH_MALFORMED", bad[i]);
}

static void a_token_longer_than_200_characters_is_invalid(void **state) {
  (void)state;
  char *h = header_of("Bearer ", 'a', 201);
  assert_int_equal(authenticate(h), AUTH_INVALID);
  free(h);
  h = header_of("bEaReR ", 'Z', 5000);
  assert_int_equal(authenticate(h), AUTH_INVALID);
  free(h);
  /* The length is judged before the characters. */
  h = header_of("Bearer ", '!', 201);
  assert_int_equal(authenticate(h), AUTH_INVALID);
  free(h);
  /* Spaces around the token do not count. */
  char *padded = malloc(7 + 3 + 201 + 3 + 1);
  snprintf(padded, 7 + 3 + 201 + 3 + 1, "Bearer   %0201d   ", 0);
  assert_int_equal(authenticate(padded), AUTH_INVALID);
  free(padded);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hash_is_sha256_in_lower_case_hex),
      cmocka_unit_test(hash_differs_for_different_tokens),
      cmocka_unit_test(scope_matches_exactly),
      cmocka_unit_test(admin_includes_every_scope),
      cmocka_unit_test(scope_lists_are_comma_separated),
      cmocka_unit_test(a_prefix_of_a_scope_is_not_the_scope),
      cmocka_unit_test(no_scopes_hold_nothing),
      cmocka_unit_test(valid_scopes_are_known_names_comma_separated),
      cmocka_unit_test(valid_scopes_refuse_a_trailing_comma),
      cmocka_unit_test(expiry_takes_days_hours_and_minutes),
      cmocka_unit_test(expiry_never_or_absent_means_never),
      cmocka_unit_test(expiry_refuses_anything_else),
      cmocka_unit_test(expiry_without_a_unit_is_refused_without_reading_past_it),
      cmocka_unit_test(expiry_output_fits_the_buffer),
      cmocka_unit_test(a_header_that_is_not_bearer_is_malformed),
      cmocka_unit_test(an_empty_token_is_malformed),
      cmocka_unit_test(a_token_with_other_characters_is_malformed),
      cmocka_unit_test(a_token_longer_than_200_characters_is_invalid),
  };
  return cmocka_run_group_tests_name("tokens", tests, NULL, NULL);
}
