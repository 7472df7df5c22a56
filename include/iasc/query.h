/* query.h: query-string parsing and strict validation of query parameters. */
#ifndef IASC_QUERY_H
#define IASC_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "iasc/handler.h"

enum param_type {
  PARAM_LIMIT,     /* integer 1..100 */
  PARAM_CURSOR,    /* opaque, checked later by cursor_decode */
  PARAM_TEXT,      /* 1..200 characters after trimming */
  PARAM_TOKEN,     /* a slug-like word: [A-Za-z0-9_ -]{1,100} (jurisdictions have spaces) */
  PARAM_DATE,      /* YYYY-MM-DD, a real calendar date */
  PARAM_TIMESTAMP, /* RFC 3339 date-time with Z or offset */
  PARAM_BOOL,      /* true | false */
  PARAM_YEAR,      /* YYYY */
  PARAM_ENUM,      /* one of values */
  PARAM_ENUM_LIST, /* comma-separated, each one of values */
};

struct param_spec {
  const char *name;
  enum param_type type;
  const char *const *values; /* PARAM_ENUM, PARAM_ENUM_LIST: NULL-terminated */
};

/* Splits and percent-decodes a raw query string into req->query. Returns IASC_OK, or
 * IASC_INVALID_PARAMETER with *field set (static or pointing into req) and *message. */
enum iasc_result query_parse(struct http_req *req, const char *raw, const char **field,
                             const char **message);

/* Validates req->query against specs (NULL-name terminated): unknown, repeated, empty or
 * malformed parameters are refused. vals[i] receives the value for specs[i] or NULL.
 * On error fills res with a 400 problem naming the parameter and returns false. */
bool query_bind(const struct http_req *req, struct http_res *res, const struct param_spec *specs,
                const char **vals);

/* True when s is a page size 1..100; sets *out. */
bool query_valid_limit(const char *s, int *out);
/* Percent-decodes s[0..n) into a malloc'd string ('+' is a space when plus_is_space, as in
 * a query; not in a path); NULL on a bad escape, an encoded NUL, or out of memory. */
char *query_decode(const char *s, size_t n, bool plus_is_space);

#endif
