/* server.c: starts Ulfius on an epoll worker pool with explicit limits, and is the one
 * path every request and response takes: request id, path and query decoding, content
 * negotiation, routing (404/405/OPTIONS/HEAD), the handler, then headers and the log line. */
#include "iasc/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <ulfius.h>

#include "iasc/auth.h"
#include "iasc/cache.h"
#include "iasc/conditional.h"
#include "iasc/cors.h"
#include "iasc/db.h"
#include "iasc/flight.h"
#include "iasc/gzip.h"
#include "iasc/bootstrap.h"
#include "iasc/log.h"
#include "iasc/query.h"
#include "iasc/router.h"

static struct _u_instance instance;
static struct sockaddr_in bind_addr;
static struct cors_config cors;
/* Seconds since the epoch: the next scheduled change to public answers (0: none known), and
 * the last content change this process has heard of, the modification time of answers that
 * have no better one.
 * Modification times are kept rounded UP to the second, and If-Modified-Since answers 304
 * only when the client's date is at least that: a copy taken within the second of a change
 * can never be mistaken for current after a second change in that same second. The
 * Last-Modified header sent is that time, or Date when it is later than Date. */
static atomic_llong next_change;
static atomic_llong last_change;

#define CSP_JSON "default-src 'none'; frame-ancestors 'none'; sandbox"

const char *http_req_header(const struct http_req *req, const char *name) {
  const struct _u_request *r = req->raw;
  return r ? u_map_get_case(r->map_header, name) : NULL;
}

static bool sane_request_id(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > HTTP_REQUEST_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == ':'))
      return false;
  }
  return true;
}

static void new_request_id(char *out) {
  unsigned char rnd[12];
  static const char hex[] = "0123456789abcdef";
  if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) != 0)
    memset(rnd, 0, sizeof rnd);
  for (size_t i = 0; i < sizeof rnd; i++) {
    out[2 * i] = hex[rnd[i] >> 4];
    out[2 * i + 1] = hex[rnd[i] & 15];
  }
  out[2 * sizeof rnd] = '\0';
}

static bool sane_host(const char *h) {
  size_t n = h ? strlen(h) : 0;
  if (n == 0 || n > 255)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = h[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == ':' || c == '[' || c == ']'))
      return false;
  }
  return true;
}

static char *make_base_url(const struct iasc_config *cfg, const char *host) {
  char buf[320];
  if (cfg->public_base_url != NULL)
    return strdup(cfg->public_base_url);
  if (sane_host(host))
    snprintf(buf, sizeof buf, "http://%s", host);
  else
    snprintf(buf, sizeof buf, "http://%s:%u", cfg->bind, cfg->port);
  return strdup(buf);
}

/* Decodes a percent-encoded path; NULL when it holds a NUL, a bad escape or bad UTF-8. */
static char *decode_path(const char *raw, size_t n) {
  char *out = query_decode(raw, n, false);
  if (out != NULL && !query_valid_utf8(out, strlen(out))) {
    free(out);
    return NULL;
  }
  return out;
}

/* True when the Accept header admits JSON (absent means anything). */
static bool accepts_json(const char *accept) {
  if (accept == NULL || *accept == '\0')
    return true;
  const char *p = accept;
  while (*p) {
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
    bool q_zero = false;
    if (semi != NULL) {
      const char *q = strstr(semi, "q=");
      if (q != NULL && q < p + len) {
        double qv = strtod(q + 2, NULL);
        q_zero = qv <= 0.0;
      }
    }
    if (type_ok && !q_zero)
      return true;
    p += len;
  }
  return false;
}

static double elapsed_ms(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void unauthorized(const struct http_req *req, struct http_res *res, const char *error,
                         const char *description) {
  char value[256];
  if (error != NULL)
    snprintf(value, sizeof value,
             "Bearer realm=\"iasc-api\", error=\"%s\", error_description=\"%s\"", error,
             description);
  else
    snprintf(value, sizeof value, "Bearer realm=\"iasc-api\"");
  http_problem(req, res, IASC_UNAUTHORIZED, NULL, "%s", description);
  http_res_header(res, "WWW-Authenticate", value);
}

/* Checks the bearer token, when one is sent (any route: a bad token is never ignored), and
 * the route's scope. Returns false with res filled (401, 403, 503). */
static bool authorize(struct http_req *req, struct http_res *res, const struct route *route) {
  const char *authz = http_req_header(req, "Authorization");
  if (authz != NULL) {
    enum auth_outcome a =
        bootstrap_ensure() ? auth_authenticate(authz, &req->who) : AUTH_UNAVAILABLE;
    switch (a) {
    case AUTH_OK:
      req->authenticated = true;
      break;
    case AUTH_MALFORMED:
      unauthorized(req, res, "invalid_request",
                   "The Authorization header must be: Bearer <token>.");
      return false;
    case AUTH_EXPIRED:
      unauthorized(req, res, "invalid_token", "The token has expired.");
      return false;
    case AUTH_INVALID:
      unauthorized(req, res, "invalid_token", "The token is not valid.");
      return false;
    case AUTH_UNAVAILABLE:
      http_problem(req, res, IASC_UNAVAILABLE, NULL,
                   "The database is unavailable; try again shortly.");
      return false;
    }
  }
  if (route->scope == NULL)
    return true;
  if (!req->authenticated) {
    unauthorized(req, res, NULL, "This needs a bearer token.");
    return false;
  }
  if (!auth_has_scope(&req->who, route->scope)) {
    char value[160];
    snprintf(value, sizeof value,
             "Bearer realm=\"iasc-api\", error=\"insufficient_scope\", scope=\"%s\"", route->scope);
    http_problem(req, res, IASC_FORBIDDEN, NULL, "This needs a token with the scope %s.",
                 route->scope);
    http_res_header(res, "WWW-Authenticate", value);
    return false;
  }
  return true;
}

/* Routes the request into res. */
static void route_request(struct http_req *req, struct http_res *res) {
  if (req->body_len > req->cfg->max_body_bytes) {
    http_problem(req, res, IASC_PAYLOAD_TOO_LARGE, NULL,
                 "The request body is larger than the limit of %zu bytes.",
                 req->cfg->max_body_bytes);
    return;
  }
  size_t plen = strlen(req->path);
  char *scratch = malloc(plen + 1 + HTTP_MAX_ROUTE_PARAMS);
  char allow[128];
  const struct route *route = NULL;
  if (scratch == NULL) {
    http_problem(req, res, IASC_INTERNAL, NULL, "Out of memory.");
    return;
  }
  bool options = strcmp(req->method, "OPTIONS") == 0;
  enum router_outcome o =
      router_match(ROUTES, ROUTES_COUNT, options ? "GET" : req->method, req->path, scratch,
                   req->route_params, &req->nroute_params, &route, allow, sizeof allow);
  if (o == ROUTER_NOT_FOUND) {
    http_problem(req, res, IASC_NOT_FOUND, NULL, "There is nothing at %s.", "this path");
  } else if (options) {
    res->status = 204;
    res->cache_control = "no-store";
    http_res_header(res, "Allow", allow);
    const char *origin = http_req_header(req, "Origin");
    if (cors_is_preflight(req->method, origin,
                          http_req_header(req, "Access-Control-Request-Method")))
      cors_headers(&cors, origin, true, cors_add_to_res, res);
  } else if (o == ROUTER_NO_METHOD) {
    http_problem(req, res, IASC_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; allowed: %s.",
                 req->method, allow);
    http_res_header(res, "Allow", allow);
  } else if (authorize(req, res, route)) {
    req->route_data = route->data;
    route->handler(req, res);
  }
  free(scratch);
}

/* Headers gathered for the wire, Vary merged. */
struct out_headers {
  struct http_res *res; /* the handler's response (its headers are ours to add to) */
};

/* Cache-Control and the cache lifetime of a public answer: max-age cut to the next scheduled
 * change, so that neither we nor any cache downstream serves it past that moment. */
static unsigned public_max_age(const struct iasc_config *cfg, bool *cut, double *ttl) {
  long long next = atomic_load(&next_change);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  double left = next > 0 ? (double)next - now : 1e18;
  *cut = left < (double)cfg->max_age;
  *ttl = *cut ? (left > 0 ? left : 0) : (double)cfg->max_age;
  return (unsigned)*ttl;
}

/* Takes a header out of res (the entry path re-emits it), returning its value (owned). */
static char *take_header(struct http_res *res, const char *name) {
  for (size_t i = 0; i < res->nheaders; i++) {
    if (strcasecmp(res->headers[i].name, name) == 0) {
      char *v = res->headers[i].value;
      free(res->headers[i].name);
      res->headers[i] = res->headers[--res->nheaders];
      return v;
    }
  }
  return NULL;
}

/* Turns a handler's 200 answer to a GET into an entry (stored when public and cacheable), so
 * that fresh answers and cached ones leave by the same code. Returns NULL when out of memory. */
static struct cache_entry *entry_from_res(const struct http_req *req, struct http_res *res,
                                          const char *key, uint64_t gen, enum gzip_choice gc,
                                          bool store) {
  char *etag = take_header(res, "ETag");
  char *link = take_header(res, "Link");
  bool cut;
  double ttl;
  unsigned age = public_max_age(req->cfg, &cut, &ttl);
  struct cache_item it = {
      .status = res->status,
      .content_type = res->content_type,
      .etag = etag,
      .last_modified =
          res->last_modified > 0 ? (time_t)res->last_modified : (time_t)atomic_load(&last_change),
      .link = link,
      .max_age = age,
      .body = res->body ? res->body : "",
      .body_len = res->body_len,
      .no_gzip = !store && gc == GZIP_IDENTITY,
  };
  struct cache_entry *e = cache_entry_new(key ? key : req->path, &it, store ? ttl : 0, gen);
  if (e != NULL && store && key != NULL)
    cache_insert(e);
  free(etag);
  free(link);
  return e;
}

/* Answers from an entry: the coding the client takes, 304 when its copy is current. */
static int send_entry(const struct _u_request *request, struct _u_response *response,
                      const struct http_req *req, const struct cache_entry *e, enum gzip_choice gc,
                      const char *cache_control, struct http_res *extra) {
  const char *body = e->body;
  size_t len = e->body_len;
  const char *etag = e->etag;
  struct buf tmp = {0};
  bool gz = false;
  if (gzip_should_compress(gc, e->body_len)) {
    if (e->gzip != NULL) {
      body = e->gzip;
      len = e->gzip_len;
      gz = true;
    } else if (gc == GZIP_ONLY && gzip_compress(e->body, e->body_len, &tmp)) {
      body = tmp.data;
      len = tmp.len;
      gz = true;
    }
  }
  if (gz && e->etag_gzip[0] != '\0')
    etag = e->etag_gzip;
  bool not_modified = conditional_is_not_modified(
      u_map_get_case(request->map_header, "If-None-Match"),
      u_map_get_case(request->map_header, "If-Modified-Since"), etag, e->last_modified);
  int status = not_modified ? 304 : e->status;
  if (!not_modified && len > 0)
    ulfius_set_binary_body_response(response, (unsigned)status, body, len);
  response->status = status;
  if (!not_modified && e->content_type != NULL)
    u_map_put(response->map_header, "Content-Type", e->content_type);
  if (gz && !not_modified)
    u_map_put(response->map_header, "Content-Encoding", "gzip");
  u_map_put(response->map_header, "ETag", etag);
  if (e->last_modified > 0) {
    char date[CONDITIONAL_DATE_MAX];
    time_t now = time(NULL);
    conditional_http_date(e->last_modified < now ? e->last_modified : now, date);
    u_map_put(response->map_header, "Last-Modified", date);
  }
  if (e->link != NULL)
    u_map_put(response->map_header, "Link", e->link);
  char cc[96];
  if (cache_control == NULL) {
    bool cut;
    double ttl;
    unsigned age = public_max_age(req->cfg, &cut, &ttl);
    if (age > e->max_age)
      age = e->max_age; /* never promise more than the entry was computed for */
    if (cut || req->cfg->stale_while_revalidate == 0)
      snprintf(cc, sizeof cc, "public, max-age=%u", age);
    else
      snprintf(cc, sizeof cc, "public, max-age=%u, stale-while-revalidate=%u", age,
               req->cfg->stale_while_revalidate);
    cache_control = cc;
  }
  u_map_put(response->map_header, "Cache-Control", cache_control);
  http_res_header(extra, "Vary", "Accept-Encoding");
  buf_free(&tmp);
  return status;
}

/* After a write here: the write may have scheduled something, so learn the next scheduled
 * change before dropping the cache (answers cached from then on are cut to it). */
static void after_local_write(void) {
  PGresult *r = NULL;
  if (db_exec(STMT_NEXT_CHANGE, NULL, &r) == IASC_OK)
    server_next_change(strtoll(PQgetvalue(r, 0, 0), NULL, 10));
  else
    server_next_change((long long)time(NULL) + 1); /* unknown: keep answers a second at most */
  PQclear(r);
  server_content_changed();
}

static int dispatch(const struct _u_request *request, struct _u_response *response,
                    void *user_data) {
  const struct iasc_config *cfg = user_data;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct http_req req = {0};
  struct http_res res = {0}; /* the handler's answer (or a problem) */
  struct http_res hdr = {0}; /* headers added on either path: Vary, CORS */
  struct cache_entry *e = NULL;
  char *key = NULL;
  int status;
  req.raw = request;
  req.cfg = cfg;
  req.method = request->http_verb ? request->http_verb : "GET";
  req.head = strcmp(req.method, "HEAD") == 0;
  req.body = request->binary_body;
  req.body_len = request->binary_body_length;

  const char *rid = u_map_get_case(request->map_header, "X-Request-Id");
  if (sane_request_id(rid))
    snprintf(req.request_id, sizeof req.request_id, "%s", rid);
  else
    new_request_id(req.request_id);
  req.base_url = make_base_url(cfg, u_map_get_case(request->map_header, "Host"));

  const char *url = request->http_url ? request->http_url : "/";
  const char *qmark = strchr(url, '?');
  size_t path_len = qmark ? (size_t)(qmark - url) : strlen(url);
  req.path = decode_path(url, path_len);
  bool get = strcmp(req.method, "GET") == 0 || req.head;
  enum gzip_choice gc = gzip_negotiate(u_map_get_case(request->map_header, "Accept-Encoding"));
  /* Public GETs may come from the cache: not with a token, not the health probes. */
  bool cacheable = get && u_map_get_case(request->map_header, "Authorization") == NULL &&
                   req.path != NULL && strncmp(req.path, "/v1/", 4) == 0;
  uint64_t gen = cache_generation(); /* before anything is read */
  const char *field, *message;

  if (req.path == NULL || req.base_url == NULL) {
    req.path = req.path ? req.path : strdup("?");
    http_problem(&req, &res, IASC_BAD_REQUEST, NULL,
                 "The request path is not valid percent-encoded UTF-8.");
  } else if (query_parse(&req, qmark ? qmark + 1 : NULL, &field, &message) != IASC_OK) {
    http_problem(&req, &res, IASC_INVALID_PARAMETER, field, "%s.", message);
  } else if (strncmp(req.path, "/v1/feeds/", 10) != 0 &&
             !accepts_json(u_map_get_case(request->map_header, "Accept"))) {
    /* Feed readers send every kind of Accept: feeds answer in their own format regardless. */
    http_problem(&req, &res, IASC_NOT_ACCEPTABLE, NULL,
                 "This API answers in application/json only.");
  } else if (gc == GZIP_NONE_ACCEPTABLE) {
    http_problem(&req, &res, IASC_NOT_ACCEPTABLE, NULL,
                 "Accept-Encoding refuses every coding this server has (gzip, identity).");
  } else {
    struct flight *flight = NULL;
    if (cacheable && cfg->cache_bytes > 0) {
      key = cache_key(req.base_url, req.path, req.query, req.nquery);
      e = key ? cache_get(key) : NULL;
      /* A burst of identical misses runs one query: the rest wait for its answer (a second
       * past the statement timeout at most, then they ask the database themselves). */
      unsigned wait_ms = cfg->statement_timeout_ms + 1000;
      if (e == NULL && key != NULL && (flight = flight_begin(key, gen, wait_ms)) == NULL)
        e = cache_get(key);
    }
    if (e == NULL) {
      route_request(&req, &res);
      if (get && res.status == 200) {
        bool store = key != NULL && !req.authenticated && res.cache_control == NULL;
        e = entry_from_res(&req, &res, key, gen, gc, store);
      }
    }
    flight_end(flight);
  }

  /* The one response path. */
  if (e != NULL) {
    const char *cc = req.authenticated ? "private, no-store" : res.cache_control;
    status = send_entry(request, response, &req, e, gc, cc, &hdr);
    cache_release(e);
  } else {
    if (res.status == 0)
      http_problem(&req, &res, IASC_INTERNAL, NULL, "The handler produced no response.");
    status = res.status;
    if (res.body_len > 0)
      ulfius_set_binary_body_response(response, (unsigned)res.status, res.body, res.body_len);
    response->status = res.status;
    if (res.status != 204 && res.content_type != NULL)
      u_map_put(response->map_header, "Content-Type", res.content_type);
    const char *cache = res.cache_control;
    if (req.authenticated)
      cache = "private, no-store";
    else if (cache == NULL)
      cache = "no-store";
    u_map_put(response->map_header, "Cache-Control", cache);
  }
  u_map_put(response->map_header, "X-Request-Id", req.request_id);
  /* No answer of this API is meant to run anything in a browser: JSON, feeds, problems. */
  u_map_put(response->map_header, "Content-Security-Policy", CSP_JSON);
  u_map_put(response->map_header, "X-Content-Type-Options", "nosniff");
  u_map_put(response->map_header, "Referrer-Policy", "no-referrer");
  const char *origin = u_map_get_case(request->map_header, "Origin");
  if (strcmp(req.method, "OPTIONS") != 0)
    cors_headers(&cors, origin, false, cors_add_to_res, &hdr);
  for (size_t i = 0; i < res.nheaders; i++)
    u_map_put(response->map_header, res.headers[i].name, res.headers[i].value);
  for (size_t i = 0; i < hdr.nheaders; i++)
    u_map_put(response->map_header, hdr.headers[i].name, hdr.headers[i].value);
  /* A successful write: this process's cached answers are stale now (other instances hear
   * of it through NOTIFY). */
  if (!get && status < 300 && strcmp(req.method, "OPTIONS") != 0)
    after_local_write();

  /* Privacy: never the client address; never the query of a helplines request. */
  bool hide_query = strncmp(req.path, "/v1/helplines", 13) == 0;
  LOG_INFO("http", "req=%s %s %s%s%.512s %d%s %.2fms", req.request_id, req.method, req.path,
           qmark && !hide_query ? "?" : "", qmark && !hide_query ? qmark + 1 : "", status,
           key != NULL && res.status == 0 ? " cached" : "", elapsed_ms(&t0));

  for (size_t i = 0; i < req.nquery; i++) {
    free(req.query[i].name);
    free(req.query[i].value);
  }
  for (struct http_res *r = &res; r != NULL; r = r == &res ? &hdr : NULL) {
    for (size_t i = 0; i < r->nheaders; i++) {
      free(r->headers[i].name);
      free(r->headers[i].value);
    }
    free(r->body);
  }
  free(key);
  free(req.path);
  free(req.base_url);
  return U_CALLBACK_COMPLETE;
}

void server_content_changed(void) {
  cache_invalidate_all();
  atomic_store(&last_change, (long long)time(NULL) + 1);
}

void server_next_change(long long epoch) {
  atomic_store(&next_change, epoch);
}

static bool too_many_params(const char *query) {
  size_t n = 1;
  for (const char *p = strchr(query, '&'); p != NULL; p = strchr(p + 1, '&'))
    if (++n > HTTP_MAX_QUERY_PARAMS)
      return true;
  return false;
}

/* Ulfius copies the whole URI here, and dispatch() parses the query from that copy.
 * libmicrohttpd parses its own copy next, into entries taken from the connection's 32 KiB:
 * with thousands of parameters that runs out, and libmicrohttpd 0.9.75 then drops the
 * request unanswered and never reports it complete, so Ulfius's request state leaks. Past
 * our parameter limit, cut libmicrohttpd's copy (the bytes it is about to parse) after the
 * '?': the request reaches dispatch() and gets its 400. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *connection) {
  (void)connection;
  void *info = ulfius_uri_logger(cls, uri);
  const char *q = strchr(uri, '?');
  if (info != NULL && q != NULL && too_many_params(q + 1))
    ((char *)q)[1] = '\0';
  return info;
}

int server_start(const struct iasc_config *cfg) {
  const char *cors_error = NULL;
  if (cors_config_init(&cors, cfg->cors_origins, &cors_error) != 0) {
    LOG_ERROR("server", "IASC_CORS_ORIGINS: %s", cors_error ? cors_error : "invalid");
    return -1;
  }
  if (cache_init(cfg->cache_bytes, 0) != 0) {
    LOG_ERROR("server", "cannot create the response cache");
    return -1;
  }
  atomic_store(&last_change, (long long)time(NULL) + 1);
  memset(&bind_addr, 0, sizeof bind_addr);
  bind_addr.sin_family = AF_INET;
  bind_addr.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->bind, &bind_addr.sin_addr) != 1) {
    LOG_ERROR("server", "BIND \"%s\" is not an IPv4 address", cfg->bind);
    return -1;
  }
  if (ulfius_init_instance(&instance, cfg->port, &bind_addr, NULL) != U_OK) {
    LOG_ERROR("server", "cannot initialise the HTTP instance");
    return -1;
  }
  /* One byte over the limit lets us tell "too large" (413) from "exactly the limit";
   * Ulfius would otherwise truncate silently. */
  instance.max_post_body_size = cfg->max_body_bytes + 1;
  instance.check_utf8 = 0;
  ulfius_set_default_endpoint(&instance, dispatch, (void *)cfg);

  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->workers, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL},
      /* libmicrohttpd zeroes each connection's read buffer (half this) after every request:
       * 32 KiB keeps that and the resident memory small (256 KiB cost 3x the memory and 40%
       * of the throughput at 256 connections). It bounds the request line and headers. */
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(32 * 1024), NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &bind_addr},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logged, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  if (ulfius_start_framework_with_mhd_options(&instance, MHD_USE_EPOLL_INTERNAL_THREAD, ops) !=
      U_OK) {
    LOG_ERROR("server", "cannot listen on %s:%u", cfg->bind, cfg->port);
    ulfius_clean_instance(&instance);
    return -1;
  }
  LOG_INFO("server", "listening on http://%s:%u with %u workers", cfg->bind, cfg->port,
           cfg->workers);
  return 0;
}

void server_stop(void) {
  ulfius_stop_framework(&instance);
  ulfius_clean_instance(&instance);
  cache_shutdown();
  cors_config_free(&cors);
}
