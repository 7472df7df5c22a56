/* test_cors.c: the CORS allow-list and its response headers (src/http/cors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

/* The file under test, for cors_origin_allowed. */
#include "../../../src/http/cors.c"
#include "iasc/handler.h"

static const char *LIST =
    "https://www.example.org, https://app.example.org/ ,http://localhost:3000";

/* Collects headers emitted by cors_headers. */
struct seen {
  char name[8][64];
  char value[8][128];
  size_t n;
};

static void collect(void *ctx, const char *name, const char *value) {
  struct seen *s = ctx;
  assert_true(s->n < 8);
  snprintf(s->name[s->n], sizeof s->name[0], "%s", name);
  snprintf(s->value[s->n], sizeof s->value[0], "%s", value);
  s->n++;
}

static const char *get(const struct seen *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcasecmp(s->name[i], name) == 0)
      return s->value[i];
  return NULL;
}

static size_t count_access_control(const struct seen *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += strncasecmp(s->name[i], "Access-Control-", 15) == 0;
  return n;
}

static void list_config(struct cors_config *cfg) {
  const char *err = "unset";
  assert_int_equal(cors_config_init(cfg, LIST, &err), 0);
  assert_null(err);
  assert_false(cfg->any_origin);
  assert_int_equal(cfg->norigins, 3);
}

static void cors_any_origin_when_unset_or_star(void **state) {
  (void)state;
  const char *any[] = {NULL, "", "*", "  *  "};
  for (size_t i = 0; i < sizeof any / sizeof any[0]; i++) {
    struct cors_config cfg;
    const char *err;
    assert_int_equal(cors_config_init(&cfg, any[i], &err), 0);
    assert_true(cfg.any_origin);
    assert_true(cors_origin_allowed(&cfg, "https://anything.test"));
    assert_false(cors_origin_allowed(&cfg, NULL));
    cors_config_free(&cfg);
  }
}

static void cors_any_origin_answers_star_without_vary(void **state) {
  (void)state;
  struct cors_config cfg;
  const char *err;
  assert_int_equal(cors_config_init(&cfg, "*", &err), 0);
  struct seen s = {0};
  cors_headers(&cfg, "https://evil.test", false, collect, &s);
  assert_string_equal(get(&s, "Access-Control-Allow-Origin"), "*");
  assert_string_equal(
      get(&s, "Access-Control-Expose-Headers"),
      "Link, ETag, X-Request-Id, Retry-After, Location, RateLimit, RateLimit-Policy");
  assert_null(get(&s, "Vary"));
  assert_null(get(&s, "Access-Control-Allow-Credentials"));
  assert_null(get(&s, "Access-Control-Allow-Methods"));
  cors_config_free(&cfg);
}

static void cors_listed_origin_is_echoed_with_vary(void **state) {
  (void)state;
  struct cors_config cfg;
  list_config(&cfg);
  struct seen s = {0};
  cors_headers(&cfg, "https://app.example.org", false, collect, &s);
  assert_string_equal(get(&s, "Access-Control-Allow-Origin"), "https://app.example.org");
  assert_string_equal(get(&s, "Vary"), "Origin");
  assert_non_null(get(&s, "Access-Control-Expose-Headers"));
  assert_null(get(&s, "Access-Control-Allow-Credentials"));
  assert_true(cors_origin_allowed(&cfg, "http://localhost:3000"));
  cors_config_free(&cfg);
}

static void cors_disallowed_origin_gets_no_headers(void **state) {
  (void)state;
  struct cors_config cfg;
  list_config(&cfg);
  const char *bad[] = {"https://evil.test",
                       "https://www.example.org.evil.test",
                       "http://www.example.org",
                       "https://www.example.org:443",
                       "https://www.example.org/",
                       "null",
                       "",
                       NULL};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_false(cors_origin_allowed(&cfg, bad[i]));
    for (int pre = 0; pre < 2; pre++) {
      struct seen s = {0};
      cors_headers(&cfg, bad[i], pre, collect, &s);
      assert_int_equal(count_access_control(&s), 0);
      /* The answer still depends on Origin, so caches must key on it. */
      assert_int_equal(s.n, 1);
      assert_string_equal(get(&s, "Vary"), "Origin");
    }
  }
  cors_config_free(&cfg);
}

static void cors_preflight_lists_methods_headers_and_max_age(void **state) {
  (void)state;
  struct cors_config cfg;
  list_config(&cfg);
  struct seen s = {0};
  cors_headers(&cfg, "https://www.example.org", true, collect, &s);
  assert_string_equal(get(&s, "Access-Control-Allow-Origin"), "https://www.example.org");
  assert_string_equal(get(&s, "Access-Control-Allow-Methods"),
                      "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE");
  assert_string_equal(get(&s, "Access-Control-Allow-Headers"),
                      "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, "
                      "X-Request-Id");
  assert_string_equal(get(&s, "Access-Control-Max-Age"), "600");
  assert_null(get(&s, "Access-Control-Allow-Credentials"));
  assert_null(get(&s, "Access-Control-Expose-Headers"));
  cors_config_free(&cfg);
}

static void cors_preflight_needs_options_origin_and_request_method(void **state) {
  (void)state;
  assert_true(cors_is_preflight("OPTIONS", "https://a.test", "PUT"));
  assert_false(cors_is_preflight("OPTIONS", NULL, "PUT"));
  assert_false(cors_is_preflight("OPTIONS", "https://a.test", NULL));
  assert_false(cors_is_preflight("GET", "https://a.test", "PUT"));
  assert_false(cors_is_preflight(NULL, "https://a.test", "PUT"));
}

static void cors_config_normalises_case_and_refuses_non_origins(void **state) {
  (void)state;
  struct cors_config cfg;
  const char *err;
  assert_int_equal(cors_config_init(&cfg, "HTTPS://WWW.Example.ORG:8443,,http://[::1]:8080", &err),
                   0);
  assert_int_equal(cfg.norigins, 2);
  assert_string_equal(cfg.origins[0], "https://www.example.org:8443");
  assert_true(cors_origin_allowed(&cfg, "http://[::1]:8080"));
  cors_config_free(&cfg);
  const char *bad[] = {"www.example.org",
                       "https://www.example.org/path",
                       "https://www.example.org?x",
                       "https://",
                       "https://a.org:",
                       "https://a.org:123456",
                       "null",
                       "*, https://a.org",
                       "https://a.org, *",
                       " , ",
                       "https://a b.org",
                       "http://[::1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err = NULL;
    assert_int_equal(cors_config_init(&cfg, bad[i], &err), -1);
    assert_non_null(err);
    assert_int_equal(cfg.norigins, 0);
    assert_null(cfg.origins);
  }
}

static void cors_add_to_res_merges_vary(void **state) {
  (void)state;
  struct cors_config cfg;
  list_config(&cfg);
  struct http_res res = {0};
  http_res_header(&res, "Vary", "Accept-Encoding");
  cors_headers(&cfg, "https://www.example.org", false, cors_add_to_res, &res);
  assert_int_equal(res.nheaders, 3);
  assert_string_equal(res.headers[0].name, "Vary");
  assert_string_equal(res.headers[0].value, "Accept-Encoding, Origin");
  assert_string_equal(res.headers[1].name, "Access-Control-Allow-Origin");
  assert_string_equal(res.headers[1].value, "https://www.example.org");
  for (size_t i = 0; i < res.nheaders; i++) {
    free(res.headers[i].name);
    free(res.headers[i].value);
  }
  cors_config_free(&cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cors_any_origin_when_unset_or_star),
      cmocka_unit_test(cors_any_origin_answers_star_without_vary),
      cmocka_unit_test(cors_listed_origin_is_echoed_with_vary),
      cmocka_unit_test(cors_disallowed_origin_gets_no_headers),
      cmocka_unit_test(cors_preflight_lists_methods_headers_and_max_age),
      cmocka_unit_test(cors_preflight_needs_options_origin_and_request_method),
      cmocka_unit_test(cors_config_normalises_case_and_refuses_non_origins),
      cmocka_unit_test(cors_add_to_res_merges_vary),
  };
  return cmocka_run_group_tests_name("cors", tests, NULL, NULL);
}
