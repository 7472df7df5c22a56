/* handler.h: the request and response every route handler sees, and the one mapping from a
 * result to a status and a problem+json body (src/routes/problem.c). Handlers never touch
 * libmicrohttpd types: they read a struct http_req and fill a struct http_res; the http layer
 * builds the one from the wire and turns the other into bytes (src/http/connection.c). */
#ifndef IASC_HANDLER_H
#define IASC_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "iasc/auth.h"
#include "iasc/config.h"
#include "iasc/result.h"

#define HTTP_MAX_QUERY_PARAMS 32
#define HTTP_MAX_ROUTE_PARAMS 4
#define HTTP_MAX_RES_HEADERS  16
#define HTTP_REQUEST_ID_MAX   128

struct query_param {
  char *name;  /* percent-decoded, owned by the request */
  char *value; /* percent-decoded, owned by the request */
};

struct http_req {
  const char *method; /* as received; HEAD is routed as GET with head = true */
  bool head;
  char *path; /* percent-decoded path, owned */
  struct query_param query[HTTP_MAX_QUERY_PARAMS];
  size_t nquery;
  char bad_param[65]; /* the parameter query_parse refused, when it can be named */
  const char *route_params[HTTP_MAX_ROUTE_PARAMS]; /* captures of {name} segments, in order */
  size_t nroute_params;
  char request_id[HTTP_REQUEST_ID_MAX + 1];
  char *base_url; /* scheme://host[:port] for absolute URLs, owned */
  const void *body;
  size_t body_len;
  const struct iasc_config *cfg;
  const void *route_data; /* the matched route's data */
  bool authenticated;     /* a valid bearer token came with the request: who is set */
  struct principal who;
  /* Request headers, for http_req_header: the http layer sets both. */
  const char *(*header_fn)(const void *raw, const char *name);
  const void *raw;
};

struct http_header {
  char *name;
  char *value;
};

struct http_res {
  int status;
  char *body; /* owned (malloc) */
  size_t body_len;
  const char *content_type;  /* static string */
  const char *cache_control; /* static string; NULL: the server chooses */
  const char *csp;           /* Content-Security-Policy, static string; NULL: the server's
                                own (nothing may run, load or frame) */
  long long last_modified;   /* seconds since the epoch; 0: unknown */
  struct http_header headers[HTTP_MAX_RES_HEADERS];
  size_t nheaders;
  bool header_overflow; /* http_res_header refused a header: the pipeline answers 500 */
};

/* A request header by name (case-insensitive), or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);

/* Frees what the request owns (path, base URL, query) and zeroes it. */
void http_req_free(struct http_req *req);

/* Frees what the response owns (body, headers) and zeroes it. */
void http_res_reset(struct http_res *res);

/* Sets a JSON body; takes ownership of body (malloc'd). */
void http_res_json(struct http_res *res, int status, char *body, size_t len);
/* Adds a response header (both copied). Returns false, adding nothing, when the response
 * already holds HTTP_MAX_RES_HEADERS headers or memory ran out: the caller decides (the
 * pipeline answers 500 rather than send an answer without a header it was given). */
bool http_res_header(struct http_res *res, const char *name, const char *value);

/* Fills res with an application/problem+json body for r. detail is a printf format.
 * field, when not NULL, names the offending parameter (errors[0].field). */
void http_problem(const struct http_req *req, struct http_res *res, enum iasc_result r,
                  const char *field, const char *detail, ...) __attribute__((format(printf, 5, 6)));
/* Same with a prepared errors array [{field, message}] (reference stolen). */
void http_problem_errors(const struct http_req *req, struct http_res *res, enum iasc_result r,
                         const char *detail, json_t *errors);

#endif
