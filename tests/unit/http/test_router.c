/* test_router.c: the route table matcher (src/http/router.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

static void h_list(struct http_req *req, struct http_res *res) {
  (void)req, (void)res;
}
static void h_item(struct http_req *req, struct http_res *res) {
  (void)req, (void)res;
}
static void h_post(struct http_req *req, struct http_res *res) {
  (void)req, (void)res;
}

static const struct route T[] = {
    {"GET", "/v1/news", h_list, NULL, NULL, NULL, false},
    {"POST", "/v1/news", h_post, "news:write", NULL, NULL, false},
    {"GET", "/v1/news/{slug}", h_item, NULL, NULL, NULL, false},
};

struct match {
  enum router_outcome o;
  const struct route *r;
  const char *caps[HTTP_MAX_ROUTE_PARAMS];
  size_t ncaps;
  char allow[128];
  char scratch[256];
};

static struct match *run(const char *method, const char *path) {
  static struct match m;
  memset(&m, 0, sizeof m);
  m.o =
      router_match(T, 3, method, path, m.scratch, m.caps, &m.ncaps, &m.r, m.allow, sizeof m.allow);
  return &m;
}

static void router_matches_exact_path(void **state) {
  (void)state;
  struct match *m = run("GET", "/v1/news");
  assert_int_equal(m->o, ROUTER_MATCH);
  assert_ptr_equal(m->r->handler, h_list);
}

static void router_captures_slug(void **state) {
  (void)state;
  struct match *m = run("GET", "/v1/news/some-slug");
  assert_int_equal(m->o, ROUTER_MATCH);
  assert_ptr_equal(m->r->handler, h_item);
  assert_int_equal(m->ncaps, 1);
  assert_string_equal(m->caps[0], "some-slug");
}

static void router_unknown_path_is_not_found(void **state) {
  (void)state;
  assert_int_equal(run("GET", "/v1/nope")->o, ROUTER_NOT_FOUND);
  assert_int_equal(run("GET", "/v1/news/")->o, ROUTER_NOT_FOUND);
  assert_int_equal(run("GET", "/v1/news/a/b")->o, ROUTER_NOT_FOUND);
  assert_int_equal(run("GET", "/")->o, ROUTER_NOT_FOUND);
}

static void router_wrong_method_lists_allow(void **state) {
  (void)state;
  struct match *m = run("DELETE", "/v1/news");
  assert_int_equal(m->o, ROUTER_NO_METHOD);
  assert_string_equal(m->allow, "GET, HEAD, POST, OPTIONS");
  assert_non_null(m->r); /* the path's first route, for its template */
  assert_string_equal(m->r->pattern, "/v1/news");
  m = run("PUT", "/v1/news/x");
  assert_int_equal(m->o, ROUTER_NO_METHOD);
  assert_string_equal(m->allow, "GET, HEAD, OPTIONS");
  assert_string_equal(m->r->pattern, "/v1/news/{slug}");
}

static void router_head_is_answered_by_get(void **state) {
  (void)state;
  struct match *m = run("HEAD", "/v1/news/x");
  assert_int_equal(m->o, ROUTER_MATCH);
  assert_ptr_equal(m->r->handler, h_item);
}

static void router_post_reaches_its_own_route(void **state) {
  (void)state;
  struct match *m = run("POST", "/v1/news");
  assert_int_equal(m->o, ROUTER_MATCH);
  assert_ptr_equal(m->r->handler, h_post);
  assert_string_equal(m->r->scope, "news:write");
}

static void application_table_has_unique_routes(void **state) {
  (void)state;
  for (size_t i = 0; i < ROUTES_COUNT; i++)
    for (size_t j = i + 1; j < ROUTES_COUNT; j++)
      assert_false(strcmp(ROUTES[i].method, ROUTES[j].method) == 0 &&
                   strcmp(ROUTES[i].pattern, ROUTES[j].pattern) == 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(router_matches_exact_path),
      cmocka_unit_test(router_captures_slug),
      cmocka_unit_test(router_unknown_path_is_not_found),
      cmocka_unit_test(router_wrong_method_lists_allow),
      cmocka_unit_test(router_head_is_answered_by_get),
      cmocka_unit_test(router_post_reaches_its_own_route),
      cmocka_unit_test(application_table_has_unique_routes),
  };
  return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
