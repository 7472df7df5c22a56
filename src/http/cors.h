/* cors.h: Cross-Origin Resource Sharing (Fetch standard §3.2) for a public, token-authenticated
 * API. A cors_config is built once at start-up and is read-only afterwards: every function
 * taking a const config is safe from any number of threads at once.
 *
 * Why writes may be allowed cross-origin: this API never authenticates with cookies or other
 * ambient credentials. Writes need an `Authorization: Bearer` token that a page must hold and
 * send explicitly, and Access-Control-Allow-Credentials is never sent, so a hostile page can
 * neither ride on a visitor's session nor read a credentialed answer. Allowing POST, PUT,
 * PATCH and DELETE only lets pages that already hold a token use it. */
#ifndef IASC_CORS_H
#define IASC_CORS_H

#include <stdbool.h>
#include <stddef.h>

/* What a CORS-enabled response lets a page read besides the safelisted headers. */
#define CORS_EXPOSE_HEADERS                                                                        \
  "Link, ETag, X-Request-Id, Retry-After, Location, RateLimit, RateLimit-Policy"
#define CORS_ALLOW_METHODS "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
#define CORS_ALLOW_HEADERS                                                                         \
  "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id"
/* Seconds a browser may cache a preflight answer (Chromium caps it at 7200). */
#define CORS_MAX_AGE "600"

struct cors_config {
  bool any_origin; /* every origin may read, without credentials ("*") */
  char **origins;  /* owned; the exact origins allowed when !any_origin */
  size_t norigins;
};

/* Receives one response header; name and value are only valid during the call. */
typedef void (*cors_header_fn)(void *ctx, const char *name, const char *value);

/* Parses allowed_origins: NULL, "" or "*" means any origin; otherwise a comma-separated list
 * of exact origins ("https://www.example.org, http://localhost:3000"; spaces around members
 * and one trailing '/' are ignored). Returns 0, or -1 with *error set to a static message when
 * a member is not scheme://host[:port] (a path, "null" or a "*" among others is refused).
 * On success free cfg with cors_config_free; on failure cfg holds nothing to free. */
int cors_config_init(struct cors_config *cfg, const char *allowed_origins, const char **error);
void cors_config_free(struct cors_config *cfg);

/* True for a CORS preflight: OPTIONS with both Origin and Access-Control-Request-Method. */
bool cors_is_preflight(const char *method, const char *origin, const char *request_method);

/* Emits the CORS headers of a response through add(ctx, name, value). Call it for EVERY
 * response, after the cache (never store these headers in the response cache):
 *  - allowed origin, normal request: Access-Control-Allow-Origin ("*" in any-origin mode, else
 *    the origin echoed) and Access-Control-Expose-Headers;
 *  - allowed origin, preflight: Access-Control-Allow-Origin, -Allow-Methods, -Allow-Headers and
 *    -Max-Age (the fixed lists above: the browser checks the requested method and headers);
 *  - origin absent or not allowed: no Access-Control-* header at all;
 *  - and, in list mode only, "Vary: Origin" every time, whatever the origin: the answer depends
 *    on it, so a shared cache must key on it. The caller merges it with any other Vary.
 * Access-Control-Allow-Credentials is never sent. */
void cors_headers(const struct cors_config *cfg, const char *origin, bool preflight,
                  cors_header_fn add, void *ctx);

/* A cors_header_fn for a struct http_res (ctx): adds with http_res_header, except that a Vary
 * already present gets the new value appended (", Origin") instead of a second field. */
void cors_add_to_res(void *ctx, const char *name, const char *value);

#endif
