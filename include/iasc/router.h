/* router.h: one declared table of routes behind a single Ulfius catch-all. */
#ifndef IASC_ROUTER_H
#define IASC_ROUTER_H

#include <stddef.h>

#include "iasc/http.h"

typedef void (*route_handler)(struct http_req *req, struct http_res *res);

struct route {
  const char *method;  /* GET, POST, PUT, PATCH, DELETE */
  const char *pattern; /* "/v1/news/{slug}": a {name} segment captures one non-empty segment */
  route_handler handler;
  const char *scope; /* token scope required, NULL for public */
  const void *data;  /* handed to the handler as req->route_data */
};

enum router_outcome {
  ROUTER_MATCH,     /* *route set, captures filled */
  ROUTER_NOT_FOUND, /* no pattern matches the path */
  ROUTER_NO_METHOD, /* the path exists, the method doesn't: allow holds the Allow value */
};

/* Matches method and path against table[0..n). HEAD matches GET routes. allow (size
 * allow_size) receives "GET, HEAD, OPTIONS"-style text for every match outcome but
 * NOT_FOUND. Captures point into path (which is modified: segments are NUL-split copies
 * held in scratch, of at least strlen(path)+1 bytes). */
enum router_outcome router_match(const struct route *table, size_t n, const char *method,
                                 const char *path, char *scratch, const char **captures,
                                 size_t *ncaptures, const struct route **route, char *allow,
                                 size_t allow_size);

/* The application's table. */
extern const struct route ROUTES[];
extern const size_t ROUTES_COUNT;

#endif
