/* test_statements.c: the statement table agrees with its SQL (src/db/statements.c): every
 * $n a statement uses is declared, and a list statement's cursor keys and named filters
 * fill exactly its parameters after $1 (base URL) and $2 (row limit). */
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
  };
  return cmocka_run_group_tests_name("statements", tests, NULL, NULL);
}
