/* fuzz_query.c: the query-string parser (query_parse), the strict validation of parameters
 * (query_bind) over a spec with every parameter type, and percent-decoding (query_decode).
 * Input: a raw query string, as it follows '?' in a request target. */
#include <jansson.h>

#include "iasc/buf.h"
#include "iasc/handler.h"
#include "iasc/query.h"
#include "iasc/text.h"

#include "fuzz.h"

static const char *const STATUSES[] = {"draft", "published", "any", NULL};
static const char *const INCLUDES[] = {"body", "documents", "sources", NULL};

/* One spec of every type, with the names the routes use. */
static const struct param_spec SPECS[] = {
    {"limit", PARAM_LIMIT, NULL},
    {"cursor", PARAM_CURSOR, NULL},
    {"q", PARAM_TEXT, NULL},
    {"tag", PARAM_TOKEN, NULL},
    {"from", PARAM_DATE, NULL},
    {"updated_since", PARAM_TIMESTAMP, NULL},
    {"include_deleted", PARAM_BOOL, NULL},
    {"year", PARAM_YEAR, NULL},
    {"status", PARAM_ENUM, STATUSES},
    {"include", PARAM_ENUM_LIST, INCLUDES},
    {NULL, PARAM_TEXT, NULL},
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0] - 1)

/* What query_parse promises about every parameter it keeps. */
static void check_parsed(const struct http_req *req) {
  FUZZ_CHECK(req->nquery <= HTTP_MAX_QUERY_PARAMS);
  for (size_t i = 0; i < req->nquery; i++) {
    const char *name = req->query[i].name, *value = req->query[i].value;
    FUZZ_CHECK(name != NULL && value != NULL);
    FUZZ_CHECK(strlen(name) <= 64 && strlen(value) <= 1024);
    FUZZ_CHECK(text_valid_utf8(name, strlen(name)) && !text_has_control(name, false));
    FUZZ_CHECK(text_valid_utf8(value, strlen(value)) && !text_has_control(value, false));
  }
}

/* query_bind's answer: either every parameter is known, given once, non-empty and bound, or res
 * holds a 400 problem+json body that is valid JSON. */
static void check_bind(const struct http_req *req) {
  struct http_res res = {0};
  const char *vals[NSPECS + 1];
  if (query_bind(req, &res, SPECS, vals)) {
    FUZZ_CHECK(res.status == 0 && res.body == NULL);
    for (size_t i = 0; i < NSPECS; i++)
      FUZZ_CHECK(vals[i] == NULL || *vals[i] != '\0');
    const char *limit = vals[0];
    int n = 0;
    FUZZ_CHECK(limit == NULL || (query_valid_limit(limit, &n) && n >= 1 && n <= 100));
    FUZZ_CHECK(vals[4] == NULL || text_valid_date(vals[4]));
    FUZZ_CHECK(vals[5] == NULL || text_valid_timestamp(vals[5]));
  } else {
    FUZZ_CHECK(res.status == 400);
    FUZZ_CHECK(res.body != NULL && res.body_len == strlen(res.body));
    json_t *body = json_loadb(res.body, res.body_len, 0, NULL);
    FUZZ_CHECK(body != NULL);
    FUZZ_CHECK(json_integer_value(json_object_get(body, "status")) == 400);
    json_decref(body);
  }
  http_res_reset(&res);
}

/* query_decode of data: when it succeeds, percent-encoding the result and decoding that again
 * gives it back. */
static void check_decode(const uint8_t *data, size_t size, bool plus) {
  char *out = query_decode((const char *)data, size, plus);
  if (out == NULL)
    return;
  size_t n = strlen(out); /* a raw NUL in data is copied; stop at it */
  FUZZ_CHECK(n <= size);
  struct buf enc = {0};
  buf_url_encode(&enc, out);
  FUZZ_CHECK(!enc.failed);
  char *again = query_decode(enc.data ? enc.data : "", enc.len, plus);
  FUZZ_CHECK(again != NULL && strcmp(again, out) == 0);
  free(again);
  buf_free(&enc);
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *raw = fuzz_strndup(data, size);
  struct http_req req = {0};
  const char *field = NULL, *message = NULL;
  enum iasc_result r = query_parse(&req, raw, &field, &message);
  if (r == IASC_OK) {
    FUZZ_CHECK(field == NULL && message == NULL);
    check_parsed(&req);
    check_bind(&req);
  } else {
    FUZZ_CHECK(r == IASC_INVALID_PARAMETER);
    FUZZ_CHECK(field != NULL && message != NULL);
    FUZZ_CHECK(text_valid_utf8(field, strlen(field)));
  }
  http_req_free(&req);
  free(raw);

  check_decode(data, size, true);
  check_decode(data, size, false);
  return 0;
}
