/* test_variant.c: optional segments of statement SQL (src/db/variant.c): which text a set of
 * given parameters keeps, how the kept $n are renumbered for PREPARE, and how variants are
 * numbered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/statements.h"
#include "variant.h"

#define P(n) (1u << ((n)-1))

/* The text sql resolves to for given, with or without renumbering; *refs the parameters it
 * references. The caller frees the result. */
static char *resolve(const char *sql, unsigned given, bool renumber, unsigned *refs) {
  struct buf b = {0};
  *refs = variant_resolve(sql, given, renumber, &b);
  buf_puts(&b, "");
  assert_false(b.failed);
  return buf_steal(&b);
}

static void variant_keeps_segments_by_the_given_parameters(void **state) {
  (void)state;
  const char *sql = "SELECT $1 WHERE x{?3  AND a = $3}{!3  AND a IS NULL} LIMIT $2";
  unsigned refs;
  char *none = resolve(sql, P(1) | P(2), false, &refs);
  assert_string_equal(none, "SELECT $1 WHERE x AND a IS NULL LIMIT $2");
  assert_int_equal(refs, P(1) | P(2));
  free(none);
  char *with = resolve(sql, P(1) | P(2) | P(3), false, &refs);
  assert_string_equal(with, "SELECT $1 WHERE x AND a = $3 LIMIT $2");
  assert_int_equal(refs, P(1) | P(2) | P(3));
  free(with);
}

static void variant_renumbers_the_parameters_it_keeps_in_order(void **state) {
  (void)state;
  /* $3 and $4 come and go together (a cursor); $5 is always bound. */
  const char *sql = "a $5 b{?3  c ($3, $4)} d $2 e $1";
  unsigned refs;
  char *plain = resolve(sql, P(1) | P(2) | P(5), true, &refs);
  assert_string_equal(plain, "a $3 b d $2 e $1");
  assert_int_equal(refs, P(1) | P(2) | P(5));
  free(plain);
  char *cursor = resolve(sql, P(1) | P(2) | P(3) | P(4) | P(5), true, &refs);
  assert_string_equal(cursor, "a $5 b c ($3, $4) d $2 e $1");
  free(cursor);
  /* A parameter referenced outside every segment is bound even when NULL. */
  char *null5 = resolve(sql, P(1) | P(2), true, &refs);
  assert_string_equal(null5, "a $3 b d $2 e $1");
  assert_int_equal(refs, P(1) | P(2) | P(5));
  free(null5);
}

static void variant_segments_nest(void **state) {
  (void)state;
  const char *sql = "x{?2  y{?3 $3}{!3 k} z} w{!2  v{?3  $3}}";
  unsigned refs;
  char *a = resolve(sql, P(2) | P(3), false, &refs);
  assert_string_equal(a, "x y$3 z w");
  free(a);
  char *b = resolve(sql, P(2), false, &refs);
  assert_string_equal(b, "x yk z w");
  assert_int_equal(refs, 0);
  free(b);
  char *c = resolve(sql, P(3), true, &refs);
  assert_string_equal(c, "x w v $1");
  assert_int_equal(refs, P(3));
  free(c);
}

static void variant_leaves_other_text_alone(void **state) {
  (void)state;
  /* A '$' without digits, or a brace that opens no marker, is text. */
  const char *sql = "a $ b {x} c $10";
  unsigned refs;
  char *s = resolve(sql, 0, true, &refs);
  assert_string_equal(s, "a $ b {x} c $1");
  assert_int_equal(refs, P(10));
  free(s);
}

static void variant_optional_parameters_and_index(void **state) {
  (void)state;
  unsigned optional = variant_optional("a{?3  b}{!5  c}{?7  d{?3  e}}");
  assert_int_equal(optional, P(3) | P(5) | P(7));
  assert_int_equal(variant_index(optional, 0), 0);
  assert_int_equal(variant_index(optional, P(1) | P(2) | P(4)), 0); /* not optional */
  assert_int_equal(variant_index(optional, P(3)), 1);
  assert_int_equal(variant_index(optional, P(5)), 2);
  assert_int_equal(variant_index(optional, P(3) | P(7)), 5);
  assert_int_equal(variant_index(optional, P(3) | P(5) | P(7)), 7);
}

static void statement_sql_is_the_table_text_resolved(void **state) {
  (void)state;
  for (int i = 0; i < STMT_COUNT; i++) {
    char *sql = statement_sql((enum stmt_id)i, 0);
    assert_non_null(sql);
    assert_null(strstr(sql, "{?"));
    assert_null(strstr(sql, "{!"));
    free(sql);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(variant_keeps_segments_by_the_given_parameters),
      cmocka_unit_test(variant_renumbers_the_parameters_it_keeps_in_order),
      cmocka_unit_test(variant_segments_nest),
      cmocka_unit_test(variant_leaves_other_text_alone),
      cmocka_unit_test(variant_optional_parameters_and_index),
      cmocka_unit_test(statement_sql_is_the_table_text_resolved),
  };
  return cmocka_run_group_tests_name("variant", tests, NULL, NULL);
}
