/* pipeline.c: the path of every request, as a short list of stages (dispatch() at the end
 * reads as their table of contents). Only the first stage (build) and the hand-back read or
 * write Ulfius types; the stages between work on struct exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <ulfius.h>

#include "flight.h"
#include "iasc/log.h"
#include "iasc/query.h"
#include "iasc/text.h"
#include "internal.h"
#include "pipeline.h"

static const char *ulfius_header(const void *raw, const char *name) {
  return u_map_get_case(((const struct _u_request *)raw)->map_header, name);
}

static bool sane_request_id(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > HTTP_REQUEST_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:", s[i]) == NULL)
      return false;
  return true;
}

/* The client's X-Request-Id when it is sane, else 96 random bits in hex. */
static void request_id(const char *given, char *out) {
  unsigned char rnd[12];
  if (sane_request_id(given)) {
    snprintf(out, HTTP_REQUEST_ID_MAX + 1, "%s", given);
    return;
  }
  if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) != 0)
    memset(rnd, 0, sizeof rnd);
  text_hex(rnd, sizeof rnd, out);
}

static bool sane_host(const char *h) {
  size_t n = h ? strlen(h) : 0;
  if (n == 0 || n > 255)
    return false;
  for (size_t i = 0; i < n; i++)
    if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:[]", h[i]) == NULL)
      return false;
  return true;
}

/* scheme://host[:port] for absolute URLs (malloc'd). */
static char *base_url(const struct iasc_config *cfg, const char *host) {
  char buf[320];
  if (cfg->public_base_url != NULL)
    return strdup(cfg->public_base_url);
  if (sane_host(host))
    snprintf(buf, sizeof buf, "http://%s", host);
  else
    snprintf(buf, sizeof buf, "http://%s:%u", cfg->bind, cfg->port);
  return strdup(buf);
}

/* Decodes a percent-encoded path; NULL when it holds a NUL, a bad escape, a control
 * character or bad UTF-8. */
static char *decode_path(const char *raw, size_t n) {
  char *out = query_decode(raw, n, false);
  if (out != NULL && (!text_valid_utf8(out, strlen(out)) || text_has_control(out, false))) {
    free(out);
    return NULL;
  }
  return out;
}

/* Stage 1, build: the request from Ulfius (the only stage that reads Ulfius types). */
static void build(struct exchange *x, const struct _u_request *u) {
  struct http_req *req = &x->req;
  clock_gettime(CLOCK_MONOTONIC, &x->t0);
  x->generation = cache_generation(); /* before anything is read */
  req->cfg = x->cfg;
  req->raw = u;
  req->header_fn = ulfius_header;
  req->method = u->http_verb ? u->http_verb : "GET";
  req->head = strcmp(req->method, "HEAD") == 0;
  req->body = u->binary_body;
  req->body_len = u->binary_body_length;
  request_id(http_req_header(req, "X-Request-Id"), req->request_id);
  req->base_url = base_url(x->cfg, http_req_header(req, "Host"));
  const char *url = u->http_url ? u->http_url : "/";
  const char *qmark = strchr(url, '?');
  x->query = qmark ? qmark + 1 : NULL;
  req->path = decode_path(url, qmark ? (size_t)(qmark - url) : strlen(url));
  x->get = strcmp(req->method, "GET") == 0 || req->head;
  x->gzip = gzip_negotiate(http_req_header(req, "Accept-Encoding"));
}

/* True when the Accept header admits JSON (absent means anything). */
static bool accepts_json(const char *accept) {
  if (accept == NULL || *accept == '\0')
    return true;
  for (const char *p = accept; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *semi = memchr(p, ';', len);
    size_t tlen = semi ? (size_t)(semi - p) : len;
    while (tlen > 0 && p[tlen - 1] == ' ')
      tlen--;
    bool type_ok = (tlen == 3 && strncmp(p, "*/*", 3) == 0) ||
                   (tlen == 13 && strncasecmp(p, "application/*", 13) == 0) ||
                   (tlen == 16 && strncasecmp(p, "application/json", 16) == 0) ||
                   (tlen == 24 && strncasecmp(p, "application/problem+json", 24) == 0);
    const char *q = semi ? strstr(semi, "q=") : NULL;
    bool q_zero = q != NULL && q < p + len && strtod(q + 2, NULL) <= 0.0;
    if (type_ok && !q_zero)
      return true;
    p += len;
  }
  return false;
}

/* Stage 2, negotiate: a well-formed path and query, a media type and a coding we have.
 * False with x->res filled (400, 406). */
static bool negotiate(struct exchange *x) {
  struct http_req *req = &x->req;
  const char *field, *message;
  if (req->path == NULL || req->base_url == NULL) {
    req->path = req->path ? req->path : strdup("?");
    http_problem(req, &x->res, IASC_BAD_REQUEST, NULL,
                 "The request path is not valid percent-encoded UTF-8.");
  } else if (query_parse(req, x->query, &field, &message) != IASC_OK) {
    http_problem(req, &x->res, IASC_INVALID_PARAMETER, field, "%s.", message);
  } else if (strncmp(req->path, "/v1/feeds/", 10) != 0 &&
             !accepts_json(http_req_header(req, "Accept"))) {
    /* Feed readers send every kind of Accept: feeds answer in their own format regardless. */
    http_problem(req, &x->res, IASC_NOT_ACCEPTABLE, NULL,
                 "This API answers in application/json only.");
  } else if (x->gzip == GZIP_NONE_ACCEPTABLE) {
    http_problem(req, &x->res, IASC_NOT_ACCEPTABLE, NULL,
                 "Accept-Encoding refuses every coding this server has (gzip, identity).");
  } else {
    return true;
  }
  return false;
}

/* Stage 3, admit: the request's limits. False with x->res filled (413). */
static bool admit(struct exchange *x) {
  if (x->req.body_len <= x->cfg->max_body_bytes)
    return true;
  http_problem(&x->req, &x->res, IASC_PAYLOAD_TOO_LARGE, NULL,
               "The request body is larger than the limit of %zu bytes.", x->cfg->max_body_bytes);
  return false;
}

/* Stage 4, answer: from the cache, or by the route. Public GETs may come from the cache
 * (not with a token, not the health probes); a burst of identical misses runs one query
 * while the rest wait for its answer (a second past the statement timeout at most, then
 * they ask the database themselves). */
static void answer(struct exchange *x) {
  struct http_req *req = &x->req;
  struct flight *flight = NULL;
  x->cacheable = x->get && http_req_header(req, "Authorization") == NULL &&
                 strncmp(req->path, "/v1/", 4) == 0 && x->cfg->cache_bytes > 0;
  if (x->cacheable) {
    x->key = cache_key(req->base_url, req->path, req->query, req->nquery);
    x->entry = x->key ? cache_get(x->key) : NULL;
    unsigned wait_ms = x->cfg->statement_timeout_ms + 1000;
    if (x->entry == NULL && x->key != NULL &&
        (flight = flight_begin(x->key, x->generation, wait_ms)) == NULL)
      x->entry = cache_get(x->key);
  }
  if (x->entry == NULL) {
    routing_run(x);
    if (x->get && x->res.status == 200 && !x->res.header_overflow)
      respond_make_entry(x, x->key != NULL && !req->authenticated && x->res.cache_control == NULL);
  }
  flight_end(flight);
}

static void emit_ulfius(void *ctx, const char *name, const char *value) {
  u_map_put(((struct _u_response *)ctx)->map_header, name, value);
}

/* Stage 5 and 6, respond and hand back: the answer's headers into Ulfius' map, its body
 * into Ulfius' response (the other stage that sees Ulfius types). */
static void hand_back(struct exchange *x, struct _u_response *u) {
  struct wire w = {0};
  respond(x, &w, emit_ulfius, u);
  if (w.len > 0 && w.body == x->res.body) {
    /* A fresh body is ours: Ulfius takes it as it is (it frees with free()). */
    free(u->binary_body);
    u->binary_body = x->res.body;
    u->binary_body_length = w.len;
    x->res.body = NULL;
  } else if (w.len > 0) {
    ulfius_set_binary_body_response(u, (unsigned)w.status, w.body, w.len);
  }
  u->status = w.status;
  buf_free(&w.tmp);
}

/* Stage 7, log. Privacy: never the client address; never the query of a helplines request
 * (decided on the decoded path). */
static void log_exchange(const struct exchange *x) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - x->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - x->t0.tv_nsec) / 1e6;
  bool show_query = x->query != NULL && strncmp(x->req.path, "/v1/helplines", 13) != 0;
  LOG_INFO("http", "req=%s %s %s%s%.512s %d%s %.2fms", x->req.request_id, x->req.method,
           x->req.path, show_query ? "?" : "", show_query ? x->query : "", x->status,
           x->key != NULL && x->res.status == 0 ? " cached" : "", ms);
}

static void finish(struct exchange *x) {
  cache_release(x->entry);
  free(x->key);
  http_res_reset(&x->res);
  http_res_reset(&x->hdr);
  http_req_free(&x->req);
}

int pipeline_dispatch(const struct _u_request *request, struct _u_response *response,
                      void *user_data) {
  const struct pipeline *p = user_data;
  struct exchange x = {.cfg = p->cfg, .cors = p->cors};
  build(&x, request);
  if (negotiate(&x) && admit(&x))
    answer(&x);
  hand_back(&x, response);
  log_exchange(&x);
  finish(&x);
  return U_CALLBACK_COMPLETE;
}
