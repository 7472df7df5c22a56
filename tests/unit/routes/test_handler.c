/* test_handler.c: request headers, ownership, JSON bodies and the result-to-problem mapping
 * (src/routes/handler.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

/* The file under test, for its static functions (kind_for, http_res_json_value). */
#include "../../../src/routes/handler.c"

/* The status each result maps to (IASC_OK is 200 by definition). */
static int http_status_for(enum iasc_result r) {
  return r == IASC_OK ? 200 : kind_for(r)->status;
}

/* Every result, its status and its problem code, as result.h documents them. */
static const struct {
  enum iasc_result r;
  int status;
  const char *code;
} TABLE[] = {
    {IASC_INVALID_PARAMETER, 400, "invalid-parameter"},
    {IASC_INVALID_CURSOR, 400, "invalid-cursor"},
    {IASC_BAD_REQUEST, 400, "bad-request"},
    {IASC_UNAUTHORIZED, 401, "unauthorized"},
    {IASC_FORBIDDEN, 403, "forbidden"},
    {IASC_NOT_FOUND, 404, "not-found"},
    {IASC_METHOD_NOT_ALLOWED, 405, "method-not-allowed"},
    {IASC_MISDIRECTED, 421, "misdirected-request"},
    {IASC_NOT_ACCEPTABLE, 406, "not-acceptable"},
    {IASC_CONFLICT, 409, "conflict"},
    {IASC_PRECONDITION_FAILED, 412, "precondition-failed"},
    {IASC_PAYLOAD_TOO_LARGE, 413, "payload-too-large"},
    {IASC_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type"},
    {IASC_INVALID, 422, "validation-failed"},
    {IASC_TOO_MANY_REQUESTS, 429, "quota-exceeded"},
    {IASC_UNAVAILABLE, 503, "unavailable"},
    {IASC_INTERNAL, 500, "internal-error"},
};
#define NTABLE (sizeof TABLE / sizeof TABLE[0])

static struct http_req request_with_id(const char *id) {
  struct http_req req;
  memset(&req, 0, sizeof req);
  snprintf(req.request_id, sizeof req.request_id, "%s", id);
  return req;
}

/* Parses res's body, which must be a JSON object of body_len bytes. */
static json_t *body_of(const struct http_res *res) {
  assert_non_null(res->body);
  assert_int_equal(strlen(res->body), res->body_len);
  json_error_t err;
  json_t *j = json_loadb(res->body, res->body_len, 0, &err);
  if (j == NULL)
    fail_msg("the body is not JSON (%s): %s", err.text, res->body);
  assert_true(json_is_object(j));
  return j;
}

static const char *str(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_string(v))
    fail_msg("\"%s\" is not a string", key);
  return json_string_value(v);
}

static bool all_zero(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != 0)
      return false;
  return true;
}

static void every_result_has_its_documented_status(void **state) {
  (void)state;
  assert_int_equal(http_status_for(IASC_OK), 200);
  for (size_t i = 0; i < NTABLE; i++)
    if (http_status_for(TABLE[i].r) != TABLE[i].status)
      fail_msg("result %d gives %d, not %d", TABLE[i].r, http_status_for(TABLE[i].r),
               TABLE[i].status);
  /* The table covers the whole enum: IASC_INTERNAL is the last value. */
  assert_int_equal(NTABLE, IASC_INTERNAL);
}

static void an_unknown_result_is_an_internal_error(void **state) {
  (void)state;
  assert_int_equal(http_status_for((enum iasc_result)(IASC_INTERNAL + 1)), 500);
  struct http_req req = request_with_id("r-1");
  struct http_res res = {0};
  http_problem(&req, &res, (enum iasc_result)(IASC_INTERNAL + 7), NULL, "strange");
  assert_int_equal(res.status, 500);
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "type"), "/problems/internal-error");
  json_decref(b);
  http_res_reset(&res);
}

static void every_problem_is_a_problem_json_body(void **state) {
  (void)state;
  for (size_t i = 0; i < NTABLE; i++) {
    struct http_req req = request_with_id("req-0123");
    struct http_res res = {0};
    http_problem(&req, &res, TABLE[i].r, NULL, "Detail %d for %s.", 42, "you");
    assert_int_equal(res.status, TABLE[i].status);
    assert_string_equal(res.content_type, "application/problem+json");
    assert_string_equal(res.cache_control, "no-store");
    assert_false(res.header_overflow);
    json_t *b = body_of(&res);
    char type[64];
    snprintf(type, sizeof type, "/problems/%s", TABLE[i].code);
    assert_string_equal(str(b, "type"), type);
    assert_true(strlen(str(b, "title")) > 0);
    assert_int_equal(json_integer_value(json_object_get(b, "status")), TABLE[i].status);
    assert_string_equal(str(b, "detail"), "Detail 42 for you.");
    assert_string_equal(str(b, "request_id"), "req-0123");
    assert_null(json_object_get(b, "errors"));
    assert_int_equal(json_object_size(b), 5);
    json_decref(b);
    http_res_reset(&res);
  }
}

static void problem_titles_are_fixed_per_result(void **state) {
  (void)state;
  struct http_req req = request_with_id("x");
  struct http_res res = {0};
  http_problem(&req, &res, IASC_NOT_FOUND, NULL, "No such item.");
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "title"), "Not found");
  json_decref(b);
  http_problem(&req, &res, IASC_INVALID, NULL, "Bad.");
  b = body_of(&res);
  assert_string_equal(str(b, "title"), "Validation failed");
  json_decref(b);
  http_res_reset(&res);
}

static void a_field_is_named_in_errors(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  http_problem(&req, &res, IASC_INVALID_PARAMETER, "limit", "limit must be 1 to %d.", 100);
  assert_int_equal(res.status, 400);
  json_t *b = body_of(&res);
  json_t *errors = json_object_get(b, "errors");
  assert_true(json_is_array(errors));
  assert_int_equal(json_array_size(errors), 1);
  json_t *e = json_array_get(errors, 0);
  assert_string_equal(str(e, "field"), "limit");
  assert_string_equal(str(e, "message"), "limit must be 1 to 100.");
  assert_string_equal(str(b, "detail"), "limit must be 1 to 100.");
  json_decref(b);
  http_res_reset(&res);
}

static void unavailable_asks_to_retry_in_five_seconds(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  http_problem(&req, &res, IASC_UNAVAILABLE, NULL, "The database is unavailable.");
  assert_int_equal(res.status, 503);
  assert_int_equal(res.nheaders, 1);
  assert_string_equal(res.headers[0].name, "Retry-After");
  assert_string_equal(res.headers[0].value, "5");
  http_res_reset(&res);
  /* No other result carries a header. */
  for (size_t i = 0; i < NTABLE; i++) {
    if (TABLE[i].r == IASC_UNAVAILABLE)
      continue;
    http_problem(&req, &res, TABLE[i].r, NULL, "x");
    assert_int_equal(res.nheaders, 0);
    http_res_reset(&res);
  }
}

static void a_problem_without_a_request_has_an_empty_request_id(void **state) {
  (void)state;
  struct http_res res = {0};
  http_problem(NULL, &res, IASC_BAD_REQUEST, NULL, "No request.");
  assert_int_equal(res.status, 400);
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "request_id"), "");
  json_decref(b);
  http_res_reset(&res);
}

static void the_detail_is_formatted_once_and_escaped(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  /* An argument with % signs is not formatted again; quotes, newlines and UTF-8 survive. */
  http_problem(&req, &res, IASC_BAD_REQUEST, "q", "got \"%s\"", "100%s\n\xC2\xA3");
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "detail"), "got \"100%s\n\xC2\xA3\"");
  assert_string_equal(str(json_array_get(json_object_get(b, "errors"), 0), "message"),
                      "got \"100%s\n\xC2\xA3\"");
  json_decref(b);
  http_res_reset(&res);
}

static void a_long_detail_is_cut_to_1023_bytes(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  char *long_text = malloc(3000);
  memset(long_text, 'a', 2999);
  long_text[2999] = '\0';
  http_problem(&req, &res, IASC_NOT_FOUND, NULL, "%s", long_text);
  assert_int_equal(res.status, 404);
  json_t *b = body_of(&res);
  assert_int_equal(strlen(str(b, "detail")), 1023);
  json_decref(b);
  http_res_reset(&res);
  free(long_text);
}

static void a_long_detail_is_cut_on_a_character_boundary(void **state) {
  (void)state;
  /* http_problem's 1024-byte buffer must not cut a multi-byte character: invalid UTF-8 would
   * make json_pack fail and the answer a 500 internal-error. */
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  char text[1201];
  for (size_t i = 0; i < 600; i++)
    memcpy(text + 2 * i, "\xC3\xA9", 2); /* 600 times e-acute: 1200 bytes */
  text[1200] = '\0';
  http_problem(&req, &res, IASC_NOT_FOUND, "slug", "%s", text);
  assert_int_equal(res.status, 404);
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "type"), "/problems/not-found");
  json_decref(b);
  http_res_reset(&res);
}

static void problem_errors_replace_what_the_response_held(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  struct http_res res = {0};
  http_res_json(&res, 200, strdup("{\"items\":[]}"), 12);
  assert_true(http_res_header(&res, "ETag", "\"abc\""));
  assert_true(http_res_header(&res, "Link", "</v1/news?cursor=x>; rel=\"next\""));
  res.last_modified = 784111777;
  res.cache_control = "public, max-age=60";

  json_t *errors = json_pack("[{s:s, s:s}, {s:s, s:s}]", "field", "title", "message", "is required",
                             "field", "slug", "message", "is not a slug");
  json_incref(errors); /* one reference for the test, one stolen */
  http_problem_errors(&req, &res, IASC_INVALID, "The item is not valid.", errors);
  assert_int_equal(errors->refcount, 1);
  assert_int_equal(res.status, 422);
  assert_int_equal(res.nheaders, 0);
  assert_int_equal(res.last_modified, 0);
  assert_string_equal(res.content_type, "application/problem+json");
  assert_string_equal(res.cache_control, "no-store");
  json_t *b = body_of(&res);
  assert_string_equal(str(b, "type"), "/problems/validation-failed");
  assert_string_equal(str(b, "detail"), "The item is not valid.");
  assert_null(json_object_get(b, "items"));
  assert_true(json_equal(json_object_get(b, "errors"), errors));
  assert_string_equal(str(json_array_get(json_object_get(b, "errors"), 1), "field"), "slug");
  json_decref(b);
  json_decref(errors);

  /* A second problem replaces the first; without errors there is no errors member. */
  http_problem_errors(&req, &res, IASC_UNAVAILABLE, "Later.", NULL);
  assert_int_equal(res.status, 503);
  assert_int_equal(res.nheaders, 1);
  assert_string_equal(res.headers[0].name, "Retry-After");
  b = body_of(&res);
  assert_null(json_object_get(b, "errors"));
  assert_string_equal(str(b, "detail"), "Later.");
  json_decref(b);
  http_res_reset(&res);
}

static void problem_errors_clear_an_earlier_overflow(void **state) {
  (void)state;
  struct http_res res = {0};
  for (int i = 0; i <= HTTP_MAX_RES_HEADERS; i++)
    http_res_header(&res, "X-Many", "1");
  assert_true(res.header_overflow);
  http_problem_errors(NULL, &res, IASC_INTERNAL, "A header was refused.", NULL);
  assert_false(res.header_overflow);
  assert_int_equal(res.nheaders, 0);
  assert_int_equal(res.status, 500);
  http_res_reset(&res);
}

static void json_bodies_are_owned_and_replaced(void **state) {
  (void)state;
  struct http_res res = {0};
  http_res_json(&res, 201, strdup("{\"a\":1}"), 7);
  assert_int_equal(res.status, 201);
  assert_int_equal(res.body_len, 7);
  assert_string_equal(res.content_type, "application/json");
  /* The earlier body is freed (ASan would see a leak otherwise). */
  json_t *v = json_pack("{s:s, s:[i, i]}", "title", "\xC2\xA3 news", "ids", 1, 2);
  http_res_json_value(&res, 200, v);
  assert_int_equal(v->refcount, 1); /* not stolen */
  assert_int_equal(res.status, 200);
  json_t *b = body_of(&res);
  assert_true(json_equal(b, v));
  json_decref(b);
  assert_null(strstr(res.body, ": ")); /* compact */
  assert_null(strstr(res.body, ", "));
  json_decref(v);
  /* Nothing to serialise: a 500 problem in place of the body. */
  http_res_json_value(&res, 200, NULL);
  assert_int_equal(res.status, 500);
  b = body_of(&res);
  assert_string_equal(str(b, "type"), "/problems/internal-error");
  json_decref(b);
  http_res_reset(&res);
}

static void headers_are_copied(void **state) {
  (void)state;
  struct http_res res = {0};
  char name[] = "X-Name", value[] = "value";
  assert_true(http_res_header(&res, name, value));
  name[0] = 'Y';
  value[0] = 'V';
  assert_int_equal(res.nheaders, 1);
  assert_string_equal(res.headers[0].name, "X-Name");
  assert_string_equal(res.headers[0].value, "value");
  assert_ptr_not_equal(res.headers[0].name, name);
  assert_true(http_res_header(&res, "Empty", ""));
  assert_string_equal(res.headers[1].value, "");
  assert_false(res.header_overflow);
  http_res_reset(&res);
}

static void headers_past_the_limit_are_refused_and_flagged(void **state) {
  (void)state;
  struct http_res res = {0};
  char name[32];
  for (int i = 0; i < HTTP_MAX_RES_HEADERS; i++) {
    snprintf(name, sizeof name, "X-Header-%d", i);
    assert_true(http_res_header(&res, name, "v"));
    assert_false(res.header_overflow);
  }
  assert_int_equal(res.nheaders, HTTP_MAX_RES_HEADERS);
  assert_false(http_res_header(&res, "X-One-Too-Many", "v"));
  assert_true(res.header_overflow);
  assert_int_equal(res.nheaders, HTTP_MAX_RES_HEADERS);
  assert_false(http_res_header(&res, "X-Two-Too-Many", "v"));
  assert_int_equal(res.nheaders, HTTP_MAX_RES_HEADERS);
  snprintf(name, sizeof name, "X-Header-%d", HTTP_MAX_RES_HEADERS - 1);
  assert_string_equal(res.headers[HTTP_MAX_RES_HEADERS - 1].name, name);
  for (size_t i = 0; i < res.nheaders; i++)
    assert_null(strstr(res.headers[i].name, "Too-Many"));
  http_res_reset(&res);
}

static void reset_frees_the_response_and_zeroes_it(void **state) {
  (void)state;
  struct http_res res = {0};
  http_res_json(&res, 200, strdup("{}"), 2);
  for (int i = 0; i < HTTP_MAX_RES_HEADERS + 1; i++)
    http_res_header(&res, "X-A", "b");
  res.cache_control = "no-cache";
  res.last_modified = 1;
  http_res_reset(&res);
  assert_true(all_zero(&res, sizeof res));
  /* Resetting an empty response is harmless. */
  http_res_reset(&res);
  assert_true(all_zero(&res, sizeof res));
}

static void request_free_frees_what_it_owns_and_zeroes_it(void **state) {
  (void)state;
  struct http_req req = request_with_id("abc");
  req.method = "GET";
  req.head = true;
  req.path = strdup("/v1/news");
  req.base_url = strdup("https://api.example.org");
  for (size_t i = 0; i < HTTP_MAX_QUERY_PARAMS; i++) {
    req.query[i].name = strdup("limit");
    req.query[i].value = strdup("10");
  }
  req.nquery = HTTP_MAX_QUERY_PARAMS;
  req.route_params[0] = "slug";
  req.nroute_params = 1;
  req.authenticated = true;
  snprintf(req.who.scopes, sizeof req.who.scopes, "admin");
  http_req_free(&req);
  assert_true(all_zero(&req, sizeof req));
  /* Nothing owned: still fine. */
  http_req_free(&req);
  assert_true(all_zero(&req, sizeof req));
}

/* A header table for header_fn: raw points to it. */
struct fake_headers {
  const char *names[3];
  const char *values[3];
  int calls;
};

static const char *fake_header(const void *raw, const char *name) {
  struct fake_headers *h = (struct fake_headers *)raw;
  h->calls++;
  for (size_t i = 0; i < 3 && h->names[i]; i++)
    if (strcasecmp(h->names[i], name) == 0)
      return h->values[i];
  return NULL;
}

static void request_headers_come_from_the_http_layer(void **state) {
  (void)state;
  struct fake_headers headers = {{"Accept", "X-Request-Id", NULL}, {"application/json", "r-9"}, 0};
  struct http_req req = request_with_id("");
  req.header_fn = fake_header;
  req.raw = &headers;
  assert_string_equal(http_req_header(&req, "Accept"), "application/json");
  assert_string_equal(http_req_header(&req, "x-request-id"), "r-9");
  assert_null(http_req_header(&req, "Authorization"));
  assert_int_equal(headers.calls, 3);
}

static void request_headers_are_absent_without_a_source(void **state) {
  (void)state;
  struct http_req req = request_with_id("");
  assert_null(http_req_header(&req, "Accept"));
  req.raw = "not used without header_fn";
  assert_null(http_req_header(&req, "Accept"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_result_has_its_documented_status),
      cmocka_unit_test(an_unknown_result_is_an_internal_error),
      cmocka_unit_test(every_problem_is_a_problem_json_body),
      cmocka_unit_test(problem_titles_are_fixed_per_result),
      cmocka_unit_test(a_field_is_named_in_errors),
      cmocka_unit_test(unavailable_asks_to_retry_in_five_seconds),
      cmocka_unit_test(a_problem_without_a_request_has_an_empty_request_id),
      cmocka_unit_test(the_detail_is_formatted_once_and_escaped),
      cmocka_unit_test(a_long_detail_is_cut_to_1023_bytes),
      cmocka_unit_test(a_long_detail_is_cut_on_a_character_boundary),
      cmocka_unit_test(problem_errors_replace_what_the_response_held),
      cmocka_unit_test(problem_errors_clear_an_earlier_overflow),
      cmocka_unit_test(json_bodies_are_owned_and_replaced),
      cmocka_unit_test(headers_are_copied),
      cmocka_unit_test(headers_past_the_limit_are_refused_and_flagged),
      cmocka_unit_test(reset_frees_the_response_and_zeroes_it),
      cmocka_unit_test(request_free_frees_what_it_owns_and_zeroes_it),
      cmocka_unit_test(request_headers_come_from_the_http_layer),
      cmocka_unit_test(request_headers_are_absent_without_a_source),
  };
  return cmocka_run_group_tests_name("handler", tests, NULL, NULL);
}
