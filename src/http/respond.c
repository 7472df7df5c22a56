/* respond.c: the one response path. Every answer leaves through respond(): an entry (from
 * the cache, or a fresh 200 to a GET made into one) gets its coding, ETag, Last-Modified,
 * 304 and public Cache-Control here; any other answer its own headers; then the headers
 * every answer carries (request id, security headers, CORS). Also freshness: max-age is cut
 * to the next scheduled change. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conditional.h"
#include "iasc/clock.h"
#include "iasc/server.h"
#include "internal.h"

/* Seconds since the epoch: the next scheduled change to public answers (0: none known), and
 * the last content change this process has heard of, the modification time of answers that
 * have no better one. Modification times are kept rounded UP to the second, and
 * If-Modified-Since answers 304 only when the client's date is at least that: a copy taken
 * within the second of a change can never be mistaken for current after a second change in
 * that same second. The Last-Modified header sent is that time, or Date when it is later. */
static atomic_llong next_change;
static atomic_llong last_change;

/* No answer of this API is meant to run anything in a browser: JSON, feeds, problems (the
 * one page, /docs, brings its own: struct http_res.csp). */
#define CSP_JSON "default-src 'none'; frame-ancestors 'none'; sandbox"

void server_content_changed(void) {
  cache_invalidate_all();
  atomic_store(&last_change, (long long)time(NULL) + 1);
}

/* When the last write of this process set next_change (CLOCK_MONOTONIC microseconds). */
static atomic_llong next_change_written_us;

void server_next_change(long long epoch) {
  atomic_store(&next_change, epoch);
  atomic_store(&next_change_written_us, clock_now_us());
}

/* Without the check, a query that began just before a write committed (with a snapshot
 * that lacks an item the write scheduled 20 s ahead) overwrote the write's value with "no
 * change ahead", and answers cached in that second kept max-age=60 past the publication
 * (test_caching_max_age_cut_to_next_scheduled_publication caught it under ASan). A write
 * between the check and the store is caught by the next query. */
void server_next_change_learned(long long epoch, long long asked_us) {
  if (asked_us > atomic_load(&next_change_written_us))
    atomic_store(&next_change, epoch);
}

void respond_reset_clock(void) {
  atomic_store(&last_change, (long long)time(NULL) + 1);
}

/* The cache lifetime of a public answer: max-age cut to the next scheduled change, so that
 * neither we nor any cache downstream serves it past that moment. */
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

/* A header's value in res, or NULL. */
static const char *res_header(const struct http_res *res, const char *name) {
  for (size_t i = 0; i < res->nheaders; i++)
    if (strcasecmp(res->headers[i].name, name) == 0)
      return res->headers[i].value;
  return NULL;
}

void respond_make_entry(struct exchange *x, bool store) {
  struct http_res *res = &x->res;
  bool cut;
  double ttl;
  unsigned age = public_max_age(x->cfg, &cut, &ttl);
  struct cache_item it = {
      .status = res->status,
      .content_type = res->content_type,
      .etag = res_header(res, "ETag"),
      .last_modified =
          res->last_modified > 0 ? (time_t)res->last_modified : (time_t)atomic_load(&last_change),
      .link = res_header(res, "Link"),
      .csp = res->csp,
      .max_age = age,
      .route = x->route_index,
      .body = res->body ? res->body : "",
      .body_len = res->body_len,
      .no_gzip = !store && x->gzip == GZIP_IDENTITY,
  };
  const char *key = x->key ? x->key : x->req.path;
  x->entry = cache_entry_new(key, &it, store ? ttl : 0, x->generation);
  if (x->entry == NULL)
    return;
  /* The answer is the entry's from now on: the handler's body, copied into it, is freed now
   * rather than when the client has read the answer (with hundreds of clients waiting on slow
   * networks, those bodies were a third of the peak heap). */
  free(res->body);
  res->body = NULL;
  if (store && x->key != NULL)
    cache_insert(x->entry);
}

/* Picks the body of an entry in the client's coding; true when it is gzip. */
static bool entry_body(const struct exchange *x, struct wire *w) {
  const struct cache_entry *e = x->entry;
  w->body = e->body;
  w->len = e->body_len;
  if (!gzip_should_compress(x->gzip, e->body_len))
    return false;
  if (e->gzip != NULL) {
    w->body = e->gzip;
    w->len = e->gzip_len;
    return true;
  }
  if (x->gzip == GZIP_ONLY && gzip_compress(e->body, e->body_len, &w->tmp)) {
    w->body = w->tmp.data;
    w->len = w->tmp.len;
    return true;
  }
  return false;
}

/* Cache-Control of a public answer from e. */
static void public_cache_control(const struct exchange *x, const struct cache_entry *e, char *cc,
                                 size_t size) {
  bool cut;
  double ttl;
  unsigned age = public_max_age(x->cfg, &cut, &ttl);
  if (age > e->max_age)
    age = e->max_age; /* never promise more than the entry was computed for */
  if (cut || x->cfg->stale_while_revalidate == 0)
    snprintf(cc, size, "public, max-age=%u", age);
  else
    snprintf(cc, size, "public, max-age=%u, stale-while-revalidate=%u", age,
             x->cfg->stale_while_revalidate);
}

/* The body and status of an answer from x->entry: the coding the client takes, 304 when its
 * copy is current. */
static void entry_prepare(struct exchange *x, struct wire *w) {
  const struct cache_entry *e = x->entry;
  w->gzip = entry_body(x, w);
  w->etag = w->gzip && e->etag_gzip[0] != '\0' ? e->etag_gzip : e->etag;
  w->not_modified = conditional_is_not_modified(http_req_header(&x->req, "If-None-Match"),
                                                http_req_header(&x->req, "If-Modified-Since"),
                                                w->etag, e->last_modified);
  w->status = w->not_modified ? 304 : e->status;
  if (w->not_modified)
    w->len = 0;
}

/* The headers of an answer from x->entry: validators, Link, Cache-Control. */
static void entry_headers(struct exchange *x, const struct wire *w, respond_emit_fn emit,
                          void *ctx) {
  const struct cache_entry *e = x->entry;
  if (!w->not_modified && e->content_type != NULL)
    emit(ctx, "Content-Type", e->content_type);
  if (w->gzip && !w->not_modified)
    emit(ctx, "Content-Encoding", "gzip");
  emit(ctx, "ETag", w->etag);
  if (e->last_modified > 0) {
    char date[CONDITIONAL_DATE_MAX];
    time_t now = time(NULL);
    conditional_http_date(e->last_modified < now ? e->last_modified : now, date);
    emit(ctx, "Last-Modified", date);
  }
  if (e->link != NULL)
    emit(ctx, "Link", e->link);
  char cc[96];
  if (x->req.authenticated || x->res.cache_control != NULL)
    emit(ctx, "Cache-Control", x->req.authenticated ? "private, no-store" : x->res.cache_control);
  else {
    public_cache_control(x, e, cc, sizeof cc);
    emit(ctx, "Cache-Control", cc);
  }
  http_res_header(&x->hdr, "Vary", "Accept-Encoding");
}

/* Any other answer: the handler's (or a problem), never stored. */
static void res_prepare(struct exchange *x, struct wire *w) {
  struct http_res *res = &x->res;
  if (res->status == 0 || res->header_overflow)
    http_problem(&x->req, res, IASC_INTERNAL, NULL, "The handler produced no response.");
  w->status = res->status;
  w->body = res->body;
  w->len = res->body_len;
}

static void res_headers(struct exchange *x, respond_emit_fn emit, void *ctx) {
  struct http_res *res = &x->res;
  if (res->status != 204 && res->content_type != NULL)
    emit(ctx, "Content-Type", res->content_type);
  const char *cache = res->cache_control;
  if (x->req.authenticated)
    cache = "private, no-store";
  else if (cache == NULL)
    cache = "no-store";
  emit(ctx, "Cache-Control", cache);
}

/* RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers) of the bucket that
 * judged the request: its quota a minute, what is left of it now, and the seconds until it is
 * whole again (on a refusal, the same moment as Retry-After). */
static void rate_headers(const struct rate_verdict *v, respond_emit_fn emit, void *ctx) {
  char policy[96], state[96];
  snprintf(policy, sizeof policy, "\"%s\";q=%u;w=60", v->policy->name, v->policy->per_minute);
  snprintf(state, sizeof state, "\"%s\";r=%u;t=%u", v->policy->name, v->remaining, v->reset);
  emit(ctx, "RateLimit-Policy", policy);
  emit(ctx, "RateLimit", state);
}

/* Headers every answer carries; the handler's own ones (but those the entry re-emits). The
 * CSP is the answer's own (a route's, kept with its cache entry) or CSP_JSON. */
static void common_headers(struct exchange *x, respond_emit_fn emit, void *ctx) {
  const char *csp = x->entry != NULL ? x->entry->csp : x->res.csp;
  emit(ctx, "X-Request-Id", x->req.request_id);
  if (x->rate.policy != NULL)
    rate_headers(&x->rate, emit, ctx);
  emit(ctx, "Content-Security-Policy", csp != NULL ? csp : CSP_JSON);
  emit(ctx, "X-Content-Type-Options", "nosniff");
  emit(ctx, "Referrer-Policy", "no-referrer");
  if (strcmp(x->req.method, "OPTIONS") != 0)
    cors_headers(x->cors, http_req_header(&x->req, "Origin"), false, cors_add_to_res, &x->hdr);
  for (size_t i = 0; i < x->res.nheaders; i++) {
    const char *name = x->res.headers[i].name;
    if (x->entry == NULL || (strcasecmp(name, "ETag") != 0 && strcasecmp(name, "Link") != 0))
      emit(ctx, name, x->res.headers[i].value);
  }
  for (size_t i = 0; i < x->hdr.nheaders; i++)
    emit(ctx, x->hdr.headers[i].name, x->hdr.headers[i].value);
}

void respond_prepare(struct exchange *x, struct wire *w) {
  if (x->entry != NULL)
    entry_prepare(x, w);
  else
    res_prepare(x, w);
  x->status = w->status;
  if (x->route_index < 0 && x->entry != NULL)
    x->route_index = x->entry->route; /* a cache hit: the route that made the entry */
}

void respond_headers(struct exchange *x, const struct wire *w, respond_emit_fn emit, void *ctx) {
  if (x->entry != NULL)
    entry_headers(x, w, emit, ctx);
  else
    res_headers(x, emit, ctx);
  common_headers(x, emit, ctx);
}
