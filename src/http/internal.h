/* internal.h: private to src/http: one request's state as it passes through the pipeline's
 * stages (pipeline.c), and the response path every answer leaves by (respond.c). */
#ifndef IASC_HTTP_INTERNAL_H
#define IASC_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cache.h"
#include "cors.h"
#include "gzip.h"
#include "iasc/handler.h"

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
  int status;                /* what was sent */
};

/* Emits one response header (the hand-back stage gives Ulfius' map). */
typedef void (*respond_emit_fn)(void *ctx, const char *name, const char *value);

/* What leaves for the wire: status and body (pointing into the entry, the response or tmp). */
struct wire {
  int status;
  const char *body;
  size_t len;
  struct buf tmp; /* a body compressed for this request only */
};

/* Turns the handler's 200 answer to a GET into an entry (stored when store), so that fresh
 * answers and cached ones leave by the same code. Sets x->entry (NULL when out of memory). */
void respond_make_entry(struct exchange *x, bool store);

/* Fills w and emits the headers of an answer from x->entry (the coding the client takes,
 * 304 when its copy is current) or else from x->res, then the headers every answer has. */
void respond(struct exchange *x, struct wire *w, respond_emit_fn emit, void *ctx);

/* Freshness: takes "now" as the last content change (at start; see respond.c). */
void respond_reset_clock(void);

/* The route stage (routing.c): match, authenticate, authorize, run the handler into x->res. */
void routing_run(struct exchange *x);

#endif
