/* pipeline.c: the stages every request passes through, on struct exchange and nothing of
 * the HTTP library (connection.c calls them, in this order):
 *   build -> before the body: negotiate, admit, route and authorize, media type
 *         -> answer (from the cache or by the route) -> respond (respond.c) -> log.
 * A decision taken before the body (an error) is the answer; the body is then never read
 * into memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>

#include "flight.h"
#include "iasc/log.h"
#include "iasc/metrics.h"
#include "iasc/query.h"
#include "iasc/text.h"
#include "internal.h"

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

/* True when h is a valid Host value (RFC 9112 3.2): a DNS name or IPv4 address (letters,
 * digits, '.' and '-', at most 253), or an IPv6 address in brackets, with an optional
 * ":port" of 1 to 5 digits. */
static bool valid_host(const char *h) {
  size_t n = strlen(h), name = n;
  if (h[0] == '[') {
    const char *close = strchr(h, ']');
    char inner[INET6_ADDRSTRLEN];
    struct in6_addr a;
    size_t len = close ? (size_t)(close - h - 1) : 0;
    if (close == NULL || len == 0 || len >= sizeof inner)
      return false;
    memcpy(inner, h + 1, len);
    inner[len] = '\0';
    if (inet_pton(AF_INET6, inner, &a) != 1)
      return false;
    name = len + 2;
  } else {
    name = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");
    if (name == 0 || name > 253)
      return false;
  }
  if (name == n)
    return true;
  size_t digits = strspn(h + name + 1, "0123456789");
  return h[name] == ':' && digits >= 1 && digits <= 5 && name + 1 + digits == n;
}

/* scheme://host[:port] for absolute URLs (malloc'd): the public base URL when configured,
 * else from Host, else (HTTP/1.0 without one) the address the server listens on. NULL when
 * Host is not a valid host (the request is then a 400) or out of memory. */
static char *base_url(const struct iasc_config *cfg, const char *host) {
  char buf[320];
  if (host != NULL && !valid_host(host))
    return NULL;
  if (cfg->public_base_url != NULL)
    return strdup(cfg->public_base_url);
  if (host != NULL)
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

void pipeline_build(struct exchange *x, const char *method, const char *target) {
  struct http_req *req = &x->req;
  clock_gettime(CLOCK_MONOTONIC, &x->t0);
  x->generation = cache_generation(); /* before anything is read */
  x->route_index = -1;
  req->cfg = x->cfg;
  req->method = method;
  req->head = strcmp(method, "HEAD") == 0;
  request_id(http_req_header(req, "X-Request-Id"), req->request_id);
  req->base_url = base_url(x->cfg, http_req_header(req, "Host"));
  const char *qmark = strchr(target, '?');
  x->query = qmark ? qmark + 1 : NULL;
  req->path = decode_path(target, qmark ? (size_t)(qmark - target) : strlen(target));
  x->get = strcmp(method, "GET") == 0 || req->head;
  x->gzip = gzip_negotiate(http_req_header(req, "Accept-Encoding"));
}

/* True when the media range r[0..n) names type (main/sub, lower case): itself, main/ *, or
 * * / *; a JSON path also takes a range for problem+json, the type of its errors. */
static bool range_admits(const char *r, size_t n, const char *type) {
  size_t slash = strcspn(type, "/");
  if ((n == 3 && strncmp(r, "*/*", 3) == 0) ||
      (n == slash + 2 && strncasecmp(r, type, slash + 1) == 0 && r[slash + 1] == '*') ||
      (n == strlen(type) && strncasecmp(r, type, n) == 0))
    return true;
  return strcmp(type, "application/json") == 0 && n == 24 &&
         strncasecmp(r, "application/problem+json", 24) == 0;
}

/* True when the Accept header admits type (absent means anything). */
static bool accepts(const char *accept, const char *type) {
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
    const char *q = semi ? strstr(semi, "q=") : NULL;
    bool q_zero = q != NULL && q < p + len && strtod(q + 2, NULL) <= 0.0;
    if (range_admits(p, tlen, type) && !q_zero)
      return true;
    p += len;
  }
  return false;
}

/* The media type a path answers in (its errors are problem+json); NULL for feeds, which
 * answer in their own formats whatever a feed reader sends. */
static const char *produces(const char *path) {
  static const struct {
    const char *path;
    const char *type;
  } OTHERS[] = {
      {"/openapi.yaml", "application/yaml"}, {"/metrics", "text/plain"}, {"/docs", "text/html"}};
  if (strncmp(path, "/v1/feeds/", 10) == 0)
    return NULL;
  for (size_t i = 0; i < sizeof OTHERS / sizeof OTHERS[0]; i++)
    if (strcmp(path, OTHERS[i].path) == 0)
      return OTHERS[i].type;
  return "application/json";
}

/* True when IASC_ALLOWED_HOSTS is unset or lists host (case-insensitive, port included). */
static bool host_allowed(const char *list, const char *host) {
  if (list == NULL)
    return true;
  size_t n = host ? strlen(host) : 0;
  for (const char *p = list; n > 0 && *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncasecmp(p, host, n) == 0)
      return true;
    p += len + (p[len] == ',');
  }
  return false;
}

/* Negotiate: a host we answer for, a well-formed path and query, a media type and a coding
 * we have. False with x->res filled (421, 400, 406). */
static bool negotiate(struct exchange *x) {
  struct http_req *req = &x->req;
  const char *field, *message;
  if (!host_allowed(x->cfg->allowed_hosts, http_req_header(req, "Host"))) {
    req->path = req->path ? req->path : strdup("?");
    http_problem(req, &x->res, IASC_MISDIRECTED, NULL,
                 "This server does not answer for that Host.");
  } else if (req->base_url == NULL) {
    req->path = req->path ? req->path : strdup("?");
    http_problem(req, &x->res, IASC_BAD_REQUEST, "Host",
                 "The Host header is not a valid host[:port].");
  } else if (req->path == NULL) {
    req->path = strdup("?");
    http_problem(req, &x->res, IASC_BAD_REQUEST, NULL,
                 "The request path is not valid percent-encoded UTF-8.");
  } else if (query_parse(req, x->query, &field, &message) != IASC_OK) {
    http_problem(req, &x->res, IASC_INVALID_PARAMETER, field, "%s.", message);
  } else if (produces(req->path) != NULL &&
             !accepts(http_req_header(req, "Accept"), produces(req->path))) {
    http_problem(req, &x->res, IASC_NOT_ACCEPTABLE, NULL, "This path answers in %s only.",
                 produces(req->path));
  } else if (x->gzip == GZIP_NONE_ACCEPTABLE) {
    http_problem(req, &x->res, IASC_NOT_ACCEPTABLE, NULL,
                 "Accept-Encoding refuses every coding this server has (gzip, identity).");
  } else {
    return true;
  }
  return false;
}

/* A 429 for a request its bucket refused (x->rate), counted under metric. Returns false. */
static bool refuse(struct exchange *x, enum metric_counter metric, const char *what) {
  char retry[16];
  snprintf(retry, sizeof retry, "%u", x->rate.retry_after);
  metrics_count(metric);
  http_problem(&x->req, &x->res, IASC_TOO_MANY_REQUESTS, NULL, "%s; try again in %u second%s.",
               what, x->rate.retry_after, x->rate.retry_after == 1 ? "" : "s");
  http_res_header(&x->res, "Retry-After", retry);
  return false;
}

/* The first 16 bytes of the SHA-256 of an Authorization value: its bucket's key. */
static void token_key(const char *authz, uint8_t key[16]) {
  uint8_t digest[32];
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, authz, strlen(authz), digest) != 0)
    memset(digest, 0, sizeof digest);
  memcpy(key, digest, 16);
}

/* Limit: a token's budget when one is sent (after the address's failed authentications,
 * which a token guesser exhausts), else the address's. Health checks and exempt addresses
 * are not limited. False with a 429 in x->res. */
static bool limit(struct exchange *x) {
  const struct limits *l = x->limits;
  if (l == NULL || strcmp(x->req.path, "/healthz") == 0 || strcmp(x->req.path, "/readyz") == 0)
    return true;
  const char *xff = l->trusted.n > 0 ? http_req_header(&x->req, "X-Forwarded-For") : NULL;
  struct netaddr client = netaddr_client(&x->peer, xff, &l->trusted);
  if (cidr_list_contains(&l->exempt, &client))
    return true;
  x->limited = true;
  x->client_key = netaddr_client_key(&client);
  const char *authz = http_req_header(&x->req, "Authorization");
  if (authz == NULL) {
    ratelimit_check(RATE_ADDRESS, x->client_key.b, true, &x->rate);
    return !x->rate.refused ||
           refuse(x, METRIC_RATE_LIMITED_ADDRESS, "This address sent too many requests");
  }
  ratelimit_check(RATE_AUTH, x->client_key.b, false, &x->rate);
  if (x->rate.refused)
    return refuse(x, METRIC_RATE_LIMITED_AUTH, "Too many failed authentications from here");
  uint8_t key[16];
  token_key(authz, key);
  ratelimit_check(RATE_TOKEN, key, true, &x->rate);
  return !x->rate.refused ||
         refuse(x, METRIC_RATE_LIMITED_TOKEN, "This token sent too many requests");
}

void pipeline_auth_failed(struct exchange *x) {
  if (x->limited && ratelimit_enabled(RATE_AUTH))
    ratelimit_check(RATE_AUTH, x->client_key.b, true, &x->rate);
}

/* Admit: the request's limits, from its headers. False with x->res filled (400, 429, 413). */
static bool admit(struct exchange *x, const struct body_framing *f) {
  if (f->conflicting) {
    x->close = true;
    http_problem(&x->req, &x->res, IASC_BAD_REQUEST, NULL,
                 "Conflicting Content-Length or Transfer-Encoding headers.");
    return false;
  }
  if (!limit(x))
    return false;
  if (!f->too_large)
    return true;
  http_problem(&x->req, &x->res, IASC_PAYLOAD_TOO_LARGE, NULL,
               "The request body is larger than the limit of %zu bytes.", x->cfg->max_body_bytes);
  return false;
}

/* True when the Content-Type names one of the media types in accepts. */
static bool media_type_taken(const char *ct, const char *const *accepts) {
  if (ct == NULL)
    return false;
  size_t n = strcspn(ct, ";");
  while (n > 0 && ct[n - 1] == ' ')
    n--;
  for (size_t i = 0; accepts[i] != NULL; i++)
    if (strlen(accepts[i]) == n && strncasecmp(ct, accepts[i], n) == 0)
      return true;
  return false;
}

/* Media type: a route that reads a body says which types it takes. False with 415. */
static bool media_type(struct exchange *x) {
  const char *const *accepts = x->route->accepts;
  if (accepts == NULL || media_type_taken(http_req_header(&x->req, "Content-Type"), accepts))
    return true;
  http_problem(&x->req, &x->res, IASC_UNSUPPORTED_MEDIA_TYPE, NULL, "Send the body as %s%s%s.",
               accepts[0], accepts[1] ? " or " : "", accepts[1] ? accepts[1] : "");
  return false;
}

enum before_body pipeline_before_body(struct exchange *x, const struct body_framing *f) {
  if (!negotiate(x) || !admit(x, f))
    return BEFORE_BODY_DECIDED;
  /* A GET (the cache answers many) is routed when it is answered; anything else now. */
  if (x->get)
    return BEFORE_BODY_READ;
  if (!routing_match(x) || !media_type(x))
    return BEFORE_BODY_DECIDED;
  x->reads_body = x->route->accepts != NULL;
  /* Without a token the scope is checked now (401); a token is looked up in the database,
   * by a worker: before the body for a client that waits for 100 Continue, else with the
   * answer. */
  if (http_req_header(&x->req, "Authorization") != NULL)
    return BEFORE_BODY_AUTHORIZE;
  return routing_authorize(x) ? BEFORE_BODY_READ : BEFORE_BODY_DECIDED;
}

/* True when the route's answer may be kept and shared: public, keyed, and without a
 * Cache-Control of its own. */
static bool keepable(const struct exchange *x) {
  return x->key != NULL && !x->req.authenticated && x->res.cache_control == NULL;
}

/* Runs the route; its 200 to a GET becomes an entry, stored when it is keepable and there is
 * a cache (only then is its gzip coding made ahead, for the requests to come). */
static void route_and_keep(struct exchange *x) {
  routing_run(x);
  if (x->get && x->res.status == 200 && !x->res.header_overflow)
    respond_make_entry(x, keepable(x) && x->cfg->cache_bytes > 0);
}

bool pipeline_answer_here(struct exchange *x) {
  struct http_req *req = &x->req;
  if (x->res.status != 0)
    return true;
  x->cacheable = x->get && http_req_header(req, "Authorization") == NULL &&
                 (strncmp(req->path, "/v1/", 4) == 0 || strncmp(req->path, "/openapi.", 9) == 0 ||
                  strcmp(req->path, "/docs") == 0);
  if (x->cacheable) {
    x->key = cache_key(req->base_url, req->path, req->query, req->nquery);
    x->entry = x->key ? cache_get(x->key) : NULL;
    if (x->entry != NULL)
      return true;
  }
  if (x->route == NULL && !routing_match(x))
    return true;
  if (!routing_offline(x))
    return false;
  route_and_keep(x);
  return true;
}

void pipeline_answer_worker(struct exchange *x, bool expired) {
  struct flight *flight = NULL;
  if (expired) {
    http_problem(&x->req, &x->res, IASC_UNAVAILABLE, NULL,
                 "The server is busy; try again shortly.");
    return;
  }
  if (x->cacheable && x->key != NULL) {
    /* The answer may have been stored while this request waited for a worker. */
    if ((x->entry = cache_get(x->key)) != NULL)
      return;
    /* A burst of identical misses runs one query while the rest wait for its answer (a
     * second past the statement timeout at most, then they ask the database themselves),
     * with the response cache on or off. */
    unsigned wait_ms = x->cfg->statement_timeout_ms + 1000;
    long long arrived = (long long)x->t0.tv_sec * 1000000 + x->t0.tv_nsec / 1000;
    if ((flight = flight_begin(x->key, x->generation, arrived, wait_ms, &x->entry)) == NULL &&
        (x->entry != NULL || (x->entry = cache_get(x->key)) != NULL))
      return;
  }
  route_and_keep(x);
  flight_end(flight, keepable(x) ? x->entry : NULL);
}

/* Appends s to b for a log line: bytes that are not printable ASCII as \xHH. */
static void log_escaped(struct buf *b, const char *s, size_t max) {
  for (size_t i = 0; s[i] != '\0' && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x7f || c == '\\')
      buf_printf(b, "\\x%02x", c);
    else
      buf_append(b, (const char *)&c, 1);
  }
}

/* What the log says of the path: a helpline item by its route template, never its slug. */
static const char *logged_path(const struct exchange *x) {
  const char *p = x->req.path;
  return strncmp(p, "/v1/helplines/", 14) == 0 ? "/v1/helplines/{key}" : p;
}

/* The request's log line, at info level: method, path (and query, unless private), status,
 * whether the cache answered, and its duration. */
static void log_request(const struct exchange *x, uint64_t ns) {
  struct buf line = {0};
  double ms = (double)ns / 1e6;
  /* Privacy: never the client address; never the query of a helplines request, nor of a
   * path that does not decode (it could be a helplines path spelled another way). */
  bool decoded = strcmp(x->req.path, "?") != 0;
  bool show_query = x->query != NULL && decoded && strncmp(x->req.path, "/v1/helplines", 13) != 0;
  log_escaped(&line, x->req.method, 16);
  buf_puts(&line, " ");
  log_escaped(&line, logged_path(x), 512);
  if (show_query) {
    buf_puts(&line, "?");
    log_escaped(&line, x->query, 512);
  }
  LOG_INFO("http", "req=%s %s %d%s %.2fms", x->req.request_id, line.failed ? "?" : line.data,
           x->status, x->key != NULL && x->res.status == 0 ? " cached" : "", ms);
  buf_free(&line);
}

void pipeline_end(const struct exchange *x) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int64_t ns = (int64_t)(t1.tv_sec - x->t0.tv_sec) * 1000000000 + (t1.tv_nsec - x->t0.tv_nsec);
  metrics_observe(x->route_index, metrics_method(x->req.method), x->status,
                  ns > 0 ? (uint64_t)ns : 0);
  if (log_enabled(LOG_LEVEL_INFO))
    log_request(x, ns > 0 ? (uint64_t)ns : 0);
}

void pipeline_finish(struct exchange *x) {
  cache_release(x->entry);
  free(x->key);
  free(x->scratch);
  http_res_reset(&x->res);
  http_res_reset(&x->hdr);
  http_req_free(&x->req);
}
