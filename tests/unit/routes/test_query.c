/* test_query.c: query-string parsing and validation (src/routes/query.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/query.h"

static void free_req(struct http_req *req) {
  http_req_free(req);
}

static void free_res(struct http_res *res) {
  http_res_reset(res);
}

static void query_decodes_percent_and_plus(void **state) {
  (void)state;
  struct http_req req = {0};
  const char *f, *m;
  assert_int_equal(query_parse(&req, "jurisdiction=England+and%20Wales&q=%C2%A3", &f, &m), IASC_OK);
  assert_int_equal(req.nquery, 2);
  assert_string_equal(req.query[0].value, "England and Wales");
  assert_string_equal(req.query[1].value, "\xC2\xA3");
  free_req(&req);
}

static void query_rejects_bad_encoding(void **state) {
  (void)state;
  const char *bad[] = {"q=%ff", "q=%00", "q=%4", "q=%zz", "q=%C0%AF", "q=%ED%A0%80", "q=a%0Ab"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct http_req req = {0};
    const char *f, *m;
    assert_int_equal(query_parse(&req, bad[i], &f, &m), IASC_INVALID_PARAMETER);
    free_req(&req);
  }
}

static void limit_accepts_only_1_to_100(void **state) {
  (void)state;
  int v = 0;
  assert_true(query_valid_limit("1", &v) && v == 1);
  assert_true(query_valid_limit("100", &v) && v == 100);
  const char *bad[] = {"0", "101", "-1", "+5", "abc", "5x", "", " 5", "1000", "1e2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(query_valid_limit(bad[i], &v));
}

static const char *const COLORS[] = {"red", "green", NULL};
static const struct param_spec SPECS[] = {
    {"limit", PARAM_LIMIT, NULL},
    {"color", PARAM_ENUM, COLORS},
    {"colors", PARAM_ENUM_LIST, COLORS},
    {NULL, PARAM_TEXT, NULL},
};

/* Parses raw into req (free with free_req) and binds it against SPECS. */
static int bind(struct http_req *req, const char *raw, const char **vals, struct http_res *res) {
  const char *f, *m;
  assert_int_equal(query_parse(req, raw, &f, &m), IASC_OK);
  return query_bind(req, res, SPECS, vals);
}

static void bind_names_the_bad_parameter(void **state) {
  (void)state;
  const char *raws[] = {
      "nope=1", "limit=1&limit=2", "limit=", "color=blue", "colors=red,blue", "limit=0"};
  const char *fields[] = {"nope", "limit", "limit", "color", "colors", "limit"};
  for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++) {
    struct http_req req = {0};
    struct http_res res = {0};
    const char *vals[3];
    assert_false(bind(&req, raws[i], vals, &res));
    assert_int_equal(res.status, 400);
    char want[64];
    snprintf(want, sizeof want, "\"field\":\"%s\"", fields[i]);
    assert_non_null(strstr(res.body, want));
    free_res(&res);
    free_req(&req);
  }
}

static void bind_accepts_valid_values(void **state) {
  (void)state;
  struct http_req req = {0};
  struct http_res res = {0};
  const char *vals[3];
  assert_true(bind(&req, "limit=5&colors=red,green", vals, &res));
  assert_string_equal(vals[0], "5");
  assert_null(vals[1]);
  assert_string_equal(vals[2], "red,green");
  free_res(&res);
  free_req(&req);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(query_decodes_percent_and_plus),
      cmocka_unit_test(query_rejects_bad_encoding),
      cmocka_unit_test(limit_accepts_only_1_to_100),
      cmocka_unit_test(bind_names_the_bad_parameter),
      cmocka_unit_test(bind_accepts_valid_values),
  };
  return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
