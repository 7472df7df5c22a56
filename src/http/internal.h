/* internal.h: private to src/http: one request's state as it passes through the pipeline's
 * stages (pipeline.c, routing.c), and the response path every answer leaves by (respond.c);
 * connection.c runs them for libmicrohttpd. */
#ifndef IASC_HTTP_INTERNAL_H
#define IASC_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cache.h"
#include "cors.h"
#include "gzip.h"
#include "iasc/handler.h"
#include "iasc/routes.h"

/* One request and its answer, owned by the pipeline from the first stage to the last. */
struct exchange {
  const struct iasc_config *cfg;
  const struct cors_config *cors;
  struct timespec t0;
  struct http_req req;
  struct http_res res;       /* the handler's answer, or a problem */
  struct http_res hdr;       /* headers added on either path: Vary, CORS */
  struct cache_entry *entry; /* the answer as an entry (cached or fresh), or NULL */
  char *key;                 /* the cache key of a cacheable request, or NULL */
  const char *query;         /* the raw query (after '?'), or NULL */
  enum gzip_choice gzip;     /* what Accept-Encoding allows */
  bool get;                  /* GET or HEAD */
  bool cacheable;            /* a public GET under /v1/ */
  uint64_t generation;       /* the cache generation read before anything else */
  const struct route *route; /* the matched route, once routing_prepare said yes */
  char *scratch;             /* the route's captures live here (owned) */
  bool reads_body;           /* the route reads the body (else a body is discarded) */
  bool close;                /* close the connection after the answer */
  int status;                /* what was sent */
};

/* Emits one response header (connection.c adds it to libmicrohttpd's response). */
typedef void (*respond_emit_fn)(void *ctx, const char *name, const char *value);

/* What leaves for the wire: status and body (pointing into the entry, the response or tmp). */
struct wire {
  int status;
  const char *body;
  size_t len;
  struct buf tmp;    /* a body compressed for this request only */
  bool gzip;         /* the body is gzip-coded */
  bool not_modified; /* 304 */
  const char *etag;  /* of what is sent (entries only) */
};

/* Turns the handler's 200 answer to a GET into an entry (stored when store), so that fresh
 * answers and cached ones leave by the same code. Sets x->entry (NULL when out of memory). */
void respond_make_entry(struct exchange *x, bool store);

/* Fills w with the status and body of the answer: from x->entry (the coding the client
 * takes, 304 when its copy is current) or else from x->res (a 500 when it has none). */
void respond_prepare(struct exchange *x, struct wire *w);

/* Emits the headers of that answer, then those every answer carries. */
void respond_headers(struct exchange *x, const struct wire *w, respond_emit_fn emit, void *ctx);

/* What the headers say of the request body. */
struct body_framing {
  bool conflicting; /* Content-Length values disagree, or come with Transfer-Encoding */
  bool too_large;   /* Content-Length above the limit */
};

/* The stages (pipeline.c), for connection.c to call in order. The exchange's cfg, cors and
 * req.header_fn/raw are set before build; method and target (the raw request target, path
 * and query) must outlive the exchange. */
void pipeline_build(struct exchange *x, const char *method, const char *target);
/* Negotiate, admit, and for requests that are not GET or HEAD route, authorize and check
 * the media type: all that is decided before a body is read. False with x->res filled. */
bool pipeline_before_body(struct exchange *x, const struct body_framing *f);
/* The answer, from the cache or by the route (req.body set). */
void pipeline_answer(struct exchange *x);
void pipeline_log(const struct exchange *x);
/* Frees what the exchange owns. */
void pipeline_finish(struct exchange *x);

/* Freshness: takes "now" as the last content change (at start; see respond.c). */
void respond_reset_clock(void);

/* The route stage (routing.c), in two steps. routing_prepare matches the path (404, 405,
 * OPTIONS), checks the token and the route's scope (401, 403) and returns true when the
 * route's handler is to run (x->route set), or false with x->res filled. routing_run runs
 * it, preparing first when that was not done. */
bool routing_prepare(struct exchange *x);
void routing_run(struct exchange *x);

#endif
