/* handler.c: what handlers share to build an answer: request headers, ownership, JSON bodies,
 * and the one mapping from a result to an HTTP status and an RFC 9457 problem body. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/handler.h"
#include "iasc/text.h"

struct problem_kind {
  enum iasc_result result;
  int status;
  const char *code;
  const char *title;
};

static const struct problem_kind KINDS[] = {
    {IASC_INVALID_PARAMETER, 400, "invalid-parameter", "Invalid query parameter"},
    {IASC_INVALID_CURSOR, 400, "invalid-cursor", "Invalid cursor"},
    {IASC_BAD_REQUEST, 400, "bad-request", "Malformed request"},
    {IASC_UNAUTHORIZED, 401, "unauthorized", "Authentication required"},
    {IASC_FORBIDDEN, 403, "forbidden", "Not allowed for this token"},
    {IASC_NOT_FOUND, 404, "not-found", "Not found"},
    {IASC_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed"},
    {IASC_MISDIRECTED, 421, "misdirected-request", "Misdirected request"},
    {IASC_NOT_ACCEPTABLE, 406, "not-acceptable", "Not acceptable"},
    {IASC_CONFLICT, 409, "conflict", "Conflict"},
    {IASC_PRECONDITION_FAILED, 412, "precondition-failed", "Precondition failed"},
    {IASC_PAYLOAD_TOO_LARGE, 413, "payload-too-large", "Request body too large"},
    {IASC_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type", "Unsupported media type"},
    {IASC_INVALID, 422, "validation-failed", "Validation failed"},
    {IASC_TOO_MANY_REQUESTS, 429, "quota-exceeded", "Too many requests"},
    {IASC_UNAVAILABLE, 503, "unavailable", "Service unavailable"},
    {IASC_INTERNAL, 500, "internal-error", "Internal server error"},
};

static const struct problem_kind *kind_for(enum iasc_result r) {
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (KINDS[i].result == r)
      return &KINDS[i];
  return &KINDS[sizeof KINDS / sizeof KINDS[0] - 1];
}

/* Serialises and sets a JSON body; does not take the reference of j. */
static void http_res_json_value(struct http_res *res, int status, const json_t *j) {
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (s == NULL) {
    const char fallback[] = "{\"type\":\"/problems/internal-error\",\"title\":\"Internal server "
                            "error\",\"status\":500,\"detail\":\"out of memory\"}";
    s = strdup(fallback);
    status = 500;
  }
  http_res_json(res, status, s, s ? strlen(s) : 0);
}

void http_problem_errors(const struct http_req *req, struct http_res *res, enum iasc_result r,
                         const char *detail, json_t *errors) {
  const struct problem_kind *k = kind_for(r);
  char type[64];
  snprintf(type, sizeof type, "/problems/%s", k->code);
  json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", k->title, "status",
                           k->status, "detail", detail, "request_id", req ? req->request_id : "");
  if (body != NULL && errors != NULL)
    json_object_set(body, "errors", errors);
  json_decref(errors);
  http_res_reset(res);
  http_res_json_value(res, k->status, body);
  json_decref(body);
  res->content_type = "application/problem+json";
  res->cache_control = "no-store";
  if (r == IASC_UNAVAILABLE)
    http_res_header(res, "Retry-After", "5");
}

void http_problem(const struct http_req *req, struct http_res *res, enum iasc_result r,
                  const char *field, const char *detail, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, detail);
  int n = vsnprintf(text, sizeof text, detail, ap);
  va_end(ap);
  if (n >= (int)sizeof text) /* cut: never in the middle of a UTF-8 character */
    text[text_utf8_boundary(text, sizeof text - 1)] = '\0';
  json_t *errors = NULL;
  if (field != NULL)
    errors = json_pack("[{s:s, s:s}]", "field", field, "message", text);
  http_problem_errors(req, res, r, text, errors);
}

void http_res_json(struct http_res *res, int status, char *body, size_t len) {
  free(res->body);
  res->status = status;
  res->body = body;
  res->body_len = len;
  res->content_type = "application/json";
}

bool http_res_header(struct http_res *res, const char *name, const char *value) {
  if (res->nheaders == HTTP_MAX_RES_HEADERS) {
    res->header_overflow = true;
    return false;
  }
  char *n = strdup(name), *v = strdup(value);
  if (n == NULL || v == NULL) {
    free(n);
    free(v);
    res->header_overflow = true;
    return false;
  }
  res->headers[res->nheaders].name = n;
  res->headers[res->nheaders].value = v;
  res->nheaders++;
  return true;
}

const char *http_req_header(const struct http_req *req, const char *name) {
  return req->header_fn != NULL ? req->header_fn(req->raw, name) : NULL;
}

void http_req_free(struct http_req *req) {
  for (size_t i = 0; i < req->nquery; i++) {
    free(req->query[i].name);
    free(req->query[i].value);
  }
  free(req->path);
  free(req->base_url);
  memset(req, 0, sizeof *req);
}

void http_res_reset(struct http_res *res) {
  for (size_t i = 0; i < res->nheaders; i++) {
    free(res->headers[i].name);
    free(res->headers[i].value);
  }
  free(res->body);
  memset(res, 0, sizeof *res);
}
