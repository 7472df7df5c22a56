/* router.h: matches a request against the declared table of routes (routes.h) behind a
 * request handler (connection.c). */
#ifndef IASC_ROUTER_H
#define IASC_ROUTER_H

#include <stddef.h>

#include "iasc/routes.h"

enum router_outcome {
  ROUTER_MATCH,     /* *route set, captures filled */
  ROUTER_NOT_FOUND, /* no pattern matches the path */
  ROUTER_NO_METHOD, /* the path exists, the method doesn't: allow holds the Allow value, and
                     *route is the first route of that path (for its template) */
};

/* Matches method and path against table[0..n). HEAD matches GET routes. allow (size
 * allow_size) receives "GET, HEAD, OPTIONS"-style text for every match outcome but
 * NOT_FOUND. Captures point into path (which is modified: segments are NUL-split copies
 * held in scratch, of at least 2 * (strlen(path) + 1) bytes). */
enum router_outcome router_match(const struct route *table, size_t n, const char *method,
                                 const char *path, char *scratch, const char **captures,
                                 size_t *ncaptures, const struct route **route, char *allow,
                                 size_t allow_size);

#endif
