/* query.c: query strings, percent-decoded and validated strictly: a parameter the endpoint
 * doesn't know, a repeated one, an empty one, or a malformed value is a 400 naming it. */
#include "iasc/query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/text.h"

#define MAX_VALUE_BYTES 1024

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *query_decode(const char *s, size_t n, bool plus_is_space) {
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
      int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        free(out);
        return NULL;
      }
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = plus_is_space && s[i] == '+' ? ' ' : s[i];
    }
  }
  out[o] = '\0';
  return out;
}

/* Valid UTF-8 without control characters: what a query name or value may hold. */
static bool valid_text(const char *s) {
  return text_valid_utf8(s, strlen(s)) && !text_has_control(s, false);
}

enum iasc_result query_parse(struct http_req *req, const char *raw, const char **field,
                             const char **message) {
  *field = NULL;
  *message = NULL;
  if (raw == NULL || *raw == '\0')
    return IASC_OK;
  const char *p = raw;
  while (*p) {
    const char *amp = strchr(p, '&');
    size_t seglen = amp ? (size_t)(amp - p) : strlen(p);
    if (seglen > 0) {
      const char *eq = memchr(p, '=', seglen);
      size_t nlen = eq ? (size_t)(eq - p) : seglen;
      char *name = query_decode(p, nlen, true);
      char *value = eq ? query_decode(eq + 1, seglen - nlen - 1, true) : strdup("");
      if (name == NULL || value == NULL || !valid_text(name) || !valid_text(value) ||
          strlen(name) > 64 || strlen(value) > MAX_VALUE_BYTES) {
        bool long_value = value != NULL && strlen(value) > MAX_VALUE_BYTES;
        bool nameable = name != NULL && strlen(name) <= 64 && valid_text(name);
        if (nameable)
          snprintf(req->bad_param, sizeof req->bad_param, "%s", name);
        free(name);
        free(value);
        *field = nameable ? req->bad_param : "query";
        *message = long_value ? "a query value is longer than 1024 bytes"
                              : "the query string is not valid percent-encoded UTF-8";
        return IASC_INVALID_PARAMETER;
      }
      if (req->nquery == HTTP_MAX_QUERY_PARAMS) {
        free(name);
        free(value);
        *field = "query";
        *message = "too many query parameters";
        return IASC_INVALID_PARAMETER;
      }
      req->query[req->nquery].name = name;
      req->query[req->nquery].value = value;
      req->nquery++;
    }
    p += seglen;
    if (*p == '&')
      p++;
  }
  return IASC_OK;
}

bool query_valid_limit(const char *s, int *out) {
  size_t n = strlen(s);
  if (n == 0 || n > 3 || !text_digits(s, n))
    return false;
  int v = text_number(s, n);
  if (v < 1 || v > 100)
    return false;
  *out = v;
  return true;
}

static bool in_list(const char *v, size_t n, const char *const *values) {
  for (size_t i = 0; values && values[i]; i++)
    if (strlen(values[i]) == n && strncmp(values[i], v, n) == 0)
      return true;
  return false;
}

/* Checks one value; returns NULL when valid, otherwise what is wrong. */
static const char *check_value(const struct param_spec *spec, const char *v) {
  int limit;
  size_t n = strlen(v);
  switch (spec->type) {
  case PARAM_LIMIT:
    return query_valid_limit(v, &limit) ? NULL : "must be a whole number from 1 to 100";
  case PARAM_CURSOR:
    return n <= 2048 ? NULL : "is not a cursor this server issued";
  case PARAM_TEXT: {
    size_t b = 0, e = n;
    while (b < e && isspace((unsigned char)v[b]))
      b++;
    while (e > b && isspace((unsigned char)v[e - 1]))
      e--;
    return e > b && e - b <= 200 ? NULL : "must be 1 to 200 characters";
  }
  case PARAM_TOKEN:
    if (n > 100)
      return "must be at most 100 characters";
    for (size_t i = 0; i < n; i++)
      if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != ' ')
        return "may hold only letters, digits, spaces, '-' and '_'";
    return NULL;
  case PARAM_DATE:
    return text_valid_date(v) ? NULL : "must be a calendar date YYYY-MM-DD";
  case PARAM_TIMESTAMP:
    return text_valid_timestamp(v) ? NULL
                                   : "must be an RFC 3339 date-time, e.g. 2024-01-31T09:00:00Z";
  case PARAM_BOOL:
    return strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ? NULL : "must be true or false";
  case PARAM_YEAR:
    return n == 4 && text_digits(v, 4) && text_number(v, 4) >= 1000 ? NULL : "must be a year YYYY";
  case PARAM_ENUM:
    return in_list(v, n, spec->values) ? NULL : "is not one of the allowed values";
  case PARAM_ENUM_LIST: {
    const char *p = v;
    for (;;) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      if (!in_list(p, len, spec->values))
        return "must be a comma-separated list of allowed values";
      if (comma == NULL)
        return NULL;
      p = comma + 1;
    }
  }
  }
  return "is not valid";
}

static void allowed_values(char *out, size_t size, const char *const *values) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; values && values[i] && o + 1 < size; i++) {
    int w = snprintf(out + o, size - o, "%s%s", i ? ", " : "", values[i]);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

bool query_bind(const struct http_req *req, struct http_res *res, const struct param_spec *specs,
                const char **vals) {
  size_t nspecs = 0;
  while (specs[nspecs].name)
    vals[nspecs++] = NULL;
  for (size_t q = 0; q < req->nquery; q++) {
    const char *name = req->query[q].name;
    const char *value = req->query[q].value;
    size_t i;
    for (i = 0; i < nspecs; i++)
      if (strcmp(specs[i].name, name) == 0)
        break;
    if (i == nspecs) {
      char known[512];
      size_t o = 0;
      known[0] = '\0';
      for (size_t k = 0; k < nspecs && o + 1 < sizeof known; k++) {
        int w = snprintf(known + o, sizeof known - o, "%s%s", k ? ", " : "", specs[k].name);
        if (w < 0)
          break;
        o += (size_t)w;
      }
      http_problem(req, res, IASC_INVALID_PARAMETER, name,
                   "Unknown query parameter \"%s\"; this endpoint takes: %s.", name, known);
      return false;
    }
    if (vals[i] != NULL) {
      http_problem(req, res, IASC_INVALID_PARAMETER, name,
                   "The query parameter \"%s\" is given more than once.", name);
      return false;
    }
    if (*value == '\0') {
      http_problem(req, res, IASC_INVALID_PARAMETER, name, "The query parameter \"%s\" is empty.",
                   name);
      return false;
    }
    const char *why = check_value(&specs[i], value);
    if (why != NULL) {
      if (specs[i].type == PARAM_ENUM || specs[i].type == PARAM_ENUM_LIST) {
        char allowed[512];
        allowed_values(allowed, sizeof allowed, specs[i].values);
        http_problem(req, res, IASC_INVALID_PARAMETER, name, "The query parameter \"%s\" %s: %s.",
                     name, why, allowed);
      } else {
        http_problem(req, res, IASC_INVALID_PARAMETER, name, "The query parameter \"%s\" %s.", name,
                     why);
      }
      return false;
    }
    vals[i] = value;
  }
  return true;
}
