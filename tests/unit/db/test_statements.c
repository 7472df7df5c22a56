/* test_statements.c: the statement table agrees with its SQL (src/db/statements.c): every
 * $n a statement uses is declared, a list statement's cursor keys and named filters fill
 * exactly its parameters after $1 (base URL) and $2 (row limit), and its optional segments
 * (variant.h) are well formed, few enough, and leave out every optional parameter that is
 * not given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/statements.h"
#include "variant.h"

/* The highest $n in sql, and whether every $1..$max occurs. */
static int highest_param(const char *sql, bool *all_used) {
  bool seen[64] = {0};
  int max = 0;
  for (const char *p = strchr(sql, '$'); p != NULL; p = strchr(p + 1, '$')) {
    char *end;
    long n = strtol(p + 1, &end, 10);
    if (end == p + 1 || n <= 0 || n >= 64)
      continue;
    seen[n] = true;
    if (n > max)
      max = (int)n;
  }
  *all_used = true;
  for (int i = 1; i <= max; i++)
    *all_used = *all_used && seen[i];
  return max;
}

static int filter_count(const struct statement *s) {
  int n = 0;
  while (n < STATEMENT_MAX_FILTERS && s->filters[n] != FILTER_NONE)
    n++;
  return n;
}

static void every_statement_is_named_and_declares_its_parameters(void **state) {
  (void)state;
  for (int i = 0; i < STMT_COUNT; i++) {
    const struct statement *s = &STATEMENTS[i];
    assert_non_null(s->name);
    assert_non_null(s->sql);
    bool all_used;
    int max = highest_param(s->sql, &all_used);
    if (max != s->nparams || !all_used)
      fail_msg("%s: declares %d parameters, its SQL uses $1..$%d%s", s->name, s->nparams, max,
               all_used ? "" : " with gaps");
  }
}

static void list_statements_bind_keys_then_named_filters(void **state) {
  (void)state;
  int lists = 0;
  for (int i = 0; i < STMT_COUNT; i++) {
    const struct statement *s = &STATEMENTS[i];
    int nf = filter_count(s);
    if (s->nkeys == 0 && nf == 0)
      continue;
    lists++;
    if (2 + s->nkeys + nf != s->nparams)
      fail_msg("%s: 2 + %d keys + %d filters != %d parameters", s->name, s->nkeys, nf, s->nparams);
    for (int f = 0; f < nf; f++)
      for (int g = f + 1; g < nf; g++)
        if (s->filters[f] == s->filters[g])
          fail_msg("%s: filter %d bound twice", s->name, (int)s->filters[f]);
  }
  assert_int_equal(lists, 15); /* 3 ranked, 5 plain, 5 sync lists, search, audit */
}

/* Braces only as segment markers "{?n " / "{!n " and their closing "}", balanced; '$' only
 * before a parameter number. */
static void templates_are_well_formed(void **state) {
  (void)state;
  for (int i = 0; i < STMT_COUNT; i++) {
    const struct statement *s = &STATEMENTS[i];
    int depth = 0;
    for (const char *p = s->sql; *p != '\0'; p++) {
      if (*p == '{') {
        char *end;
        long n = (p[1] == '?' || p[1] == '!') ? strtol(p + 2, &end, 10) : 0;
        if (n < 1 || n > s->nparams || *end != ' ')
          fail_msg("%s: a brace that is not a segment marker at \"%.20s\"", s->name, p);
        depth++;
      } else if (*p == '}' && --depth < 0) {
        fail_msg("%s: a '}' that closes no segment", s->name);
      } else if (*p == '$' && !(p[1] >= '1' && p[1] <= '9')) {
        fail_msg("%s: a '$' that is not a parameter", s->name);
      }
    }
    if (depth != 0)
      fail_msg("%s: a segment is not closed", s->name);
  }
}

/* Every variant references only declared parameters, and no optional parameter that is not
 * given: an absent filter is absent from the SQL, not a "$n IS NULL OR" the plan must carry. */
static void variants_leave_out_what_is_not_given(void **state) {
  (void)state;
  int variants = 0;
  for (int i = 0; i < STMT_COUNT; i++) {
    const struct statement *s = &STATEMENTS[i];
    unsigned optional = variant_optional(s->sql);
    if (__builtin_popcount(optional) > STATEMENT_MAX_OPTIONAL)
      fail_msg("%s: %d optional parameters (at most %d)", s->name, __builtin_popcount(optional),
               STATEMENT_MAX_OPTIONAL);
    unsigned all = s->nparams >= 32 ? ~0u : (1u << s->nparams) - 1;
    /* Every subset of the optional parameters, with every other parameter given. */
    unsigned sub = 0;
    do {
      unsigned given = (all & ~optional) | sub;
      unsigned refs = variant_resolve(s->sql, given, false, NULL);
      if (refs & ~all)
        fail_msg("%s: a variant references an undeclared parameter", s->name);
      if (refs & optional & ~given)
        fail_msg("%s: the variant for given 0x%x still references 0x%x", s->name, given,
                 refs & optional & ~given);
      assert_true(variant_index(optional, given) < 64);
      variants++;
      sub = (sub - optional) & optional;
    } while (sub != 0);
  }
  assert_true(variants >= STMT_COUNT);
}

static void statement_names_are_unique(void **state) {
  (void)state;
  for (int i = 0; i < STMT_COUNT; i++)
    for (int j = i + 1; j < STMT_COUNT; j++)
      if (strcmp(STATEMENTS[i].name, STATEMENTS[j].name) == 0)
        fail_msg("two statements are named %s", STATEMENTS[i].name);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_statement_is_named_and_declares_its_parameters),
      cmocka_unit_test(list_statements_bind_keys_then_named_filters),
      cmocka_unit_test(statement_names_are_unique),
      cmocka_unit_test(templates_are_well_formed),
      cmocka_unit_test(variants_leave_out_what_is_not_given),
  };
  return cmocka_run_group_tests_name("statements", tests, NULL, NULL);
}
