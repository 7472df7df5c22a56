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
#include "iasc/netaddr.h"
#include "iasc/routes.h"
#include "ratelimit.h"

/* Who is limited, and where a client's address comes from (server.c makes it at start). */
struct limits {
  struct cidr_list exempt;  /* IASC_RATE_EXEMPT: never limited */
  struct cidr_list trusted; /* IASC_TRUSTED_PROXIES: their X-Forwarded-For names the client */
};

/* One request and its answer, owned by the pipeline from the first stage to the last. */
struct exchange {
  const struct iasc_config *cfg;
  const struct cors_config *cors;
  const struct limits *limits;
  struct netaddr peer; /* the connection's peer; never logged */
  struct timespec t0;
  struct http_req req;
  struct http_res res;       /* the handler's answer, or a problem */
  struct http_res hdr;       /* headers added on either path: Vary, CORS */
  struct cache_entry *entry; /* the answer as an entry (cached or fresh), or NULL */
  char *key;                 /* the cache key of a cacheable request, or NULL */
  const char *query;         /* the raw query (after '?'), or NULL */
  enum gzip_choice gzip;     /* what Accept-Encoding allows */
  bool get;                  /* GET or HEAD */
  bool cacheable;            /* a public GET the cache may answer, whose misses may share */
  uint64_t generation;       /* the cache generation read before anything else */
  const struct route *route; /* the matched route, once routing_prepare said yes */
  int route_index;           /* ROUTES index of the route whose path matched (metrics), or -1 */
  char *scratch;             /* the route's captures live here (owned) */
  bool authorized;           /* routing_authorize said yes */
  bool reads_body;           /* the route reads the body (else a body is discarded) */
  bool close;                /* close the connection after the answer */
  bool limited;              /* the client is not exempt: client_key and rate are set */
  struct netaddr client_key; /* the client's limiting key (its address, IPv6 by /64) */
  struct rate_verdict rate;  /* the bucket that judged the request (headers), if any */
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
 * answers and cached ones leave by the same code. Sets x->entry, and then frees the handler's
 * body (the entry holds its copy); x->entry is NULL and the body kept when out of memory. */
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
  long long length; /* Content-Length (0: none), or -1: chunked */
};

/* The stages (pipeline.c), for connection.c to call in order. The exchange's cfg, cors and
 * req.header_fn/raw are set before build; method and target (the raw request target, path
 * and query) must outlive the exchange. */
void pipeline_build(struct exchange *x, const char *method, const char *target);
/* What is known before the body is read. */
enum before_body {
  BEFORE_BODY_READ,      /* go on: read the body (or discard it), then answer */
  BEFORE_BODY_DECIDED,   /* x->res is the answer (an error): the body is never kept */
  BEFORE_BODY_AUTHORIZE, /* a token to look up first (routing_authorize, on a worker) */
};
/* Negotiate, admit, and for requests that are not GET or HEAD: route, media type, and the
 * scope when no token came. */
enum before_body pipeline_before_body(struct exchange *x, const struct body_framing *f);
/* Answers what needs no database on the calling (HTTP) thread: an answer decided already,
 * a cache hit, 404/405/OPTIONS, a route that needs no database. False: the answer needs a
 * database worker (pipeline_answer_worker). */
bool pipeline_answer_here(struct exchange *x);
/* The answer by the route, on a database worker; expired: the request waited too long for
 * a worker (503). */
void pipeline_answer_worker(struct exchange *x, bool expired);
/* The last stage, once the answer is sent: the request's duration into the metrics, and its
 * log line. */
void pipeline_end(const struct exchange *x);
/* A bearer token sent was refused (401): it counts against the address's failed
 * authentications, whose budget the answer then reports. */
void pipeline_auth_failed(struct exchange *x);
/* Frees what the exchange owns. */
void pipeline_finish(struct exchange *x);

/* Freshness: takes "now" as the last content change (at start; see respond.c). */
void respond_reset_clock(void);

/* The route stage (routing.c). routing_match matches the path: false with x->res filled
 * (404, 405, OPTIONS), else x->route is set. routing_authorize checks the bearer token (a
 * database call when one is sent) and the route's scope: false with 401/403/503.
 * routing_offline: the route and request need no database (run it on the HTTP thread).
 * routing_run does what is left of the three, then runs the handler into x->res. */
bool routing_match(struct exchange *x);
bool routing_authorize(struct exchange *x);
bool routing_offline(const struct exchange *x);
void routing_run(struct exchange *x);

#endif
