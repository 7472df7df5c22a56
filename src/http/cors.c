/* cors.c: the CORS allow-list and the headers it puts on responses and preflights. */
#include "cors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iasc/handler.h"

/* Checks scheme://host[:port] in s[0..n) and writes it lower-cased to out (n + 1 bytes). */
static const char *check_origin(const char *s, size_t n, char *out) {
  size_t i = 0;
  if (n == 4 && strncasecmp(s, "null", 4) == 0)
    return "the \"null\" origin would admit every sandboxed page; it cannot be listed";
  if (n == 1 && s[0] == '*')
    return "\"*\" must stand alone";
  if (i >= n || !isalpha((unsigned char)s[i]))
    return "an origin must be scheme://host[:port]";
  while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
    i++;
  if (n - i < 3 || strncmp(s + i, "://", 3) != 0)
    return "an origin must be scheme://host[:port]";
  i += 3;
  size_t host = i;
  if (i < n && s[i] == '[') {
    while (i < n && s[i] != ']')
      i++;
    if (i == n)
      return "an origin's IPv6 host lacks its ']'";
    i++;
  } else {
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
      i++;
  }
  if (i == host)
    return "an origin must name a host";
  if (i < n && s[i] == ':') {
    size_t port = ++i;
    while (i < n && isdigit((unsigned char)s[i]))
      i++;
    if (i == port || i - port > 5)
      return "an origin's port must be 1 to 5 digits";
  }
  if (i != n)
    return "an origin has no path, query or spaces: scheme://host[:port]";
  for (size_t k = 0; k < n; k++)
    out[k] = (char)tolower((unsigned char)s[k]);
  out[n] = '\0';
  return NULL;
}

int cors_config_init(struct cors_config *cfg, const char *allowed_origins, const char **error) {
  memset(cfg, 0, sizeof *cfg);
  *error = NULL;
  const char *p = allowed_origins;
  while (p != NULL && (*p == ' ' || *p == '\t'))
    p++;
  if (p == NULL || *p == '\0' || (p[0] == '*' && p[1 + strspn(p + 1, " \t")] == '\0')) {
    cfg->any_origin = true;
    return 0;
  }
  while (*p != '\0') {
    const char *end = strchr(p, ',');
    if (end == NULL)
      end = p + strlen(p);
    const char *b = p, *e = end;
    while (b < e && (*b == ' ' || *b == '\t'))
      b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
      e--;
    if (e > b && e[-1] == '/')
      e--;
    p = *end == ',' ? end + 1 : end;
    if (e == b)
      continue;
    char *origin = malloc((size_t)(e - b) + 1);
    char **grown = realloc(cfg->origins, (cfg->norigins + 1) * sizeof *grown);
    if (grown != NULL)
      cfg->origins = grown;
    if (origin == NULL || grown == NULL) {
      free(origin);
      *error = "out of memory";
      break;
    }
    *error = check_origin(b, (size_t)(e - b), origin);
    if (*error != NULL) {
      free(origin);
      break;
    }
    cfg->origins[cfg->norigins++] = origin;
  }
  if (*error == NULL && cfg->norigins == 0)
    *error = "no origin listed";
  if (*error != NULL) {
    cors_config_free(cfg);
    return -1;
  }
  return 0;
}

void cors_config_free(struct cors_config *cfg) {
  for (size_t i = 0; i < cfg->norigins; i++)
    free(cfg->origins[i]);
  free(cfg->origins);
  memset(cfg, 0, sizeof *cfg);
}

/* True when a page from origin (the Origin request header) may read responses. NULL: false. */
static bool cors_origin_allowed(const struct cors_config *cfg, const char *origin) {
  if (origin == NULL || *origin == '\0')
    return false;
  if (cfg->any_origin)
    return true;
  for (size_t i = 0; i < cfg->norigins; i++)
    if (strcmp(cfg->origins[i], origin) == 0)
      return true;
  return false;
}

bool cors_is_preflight(const char *method, const char *origin, const char *request_method) {
  return method != NULL && strcmp(method, "OPTIONS") == 0 && origin != NULL &&
         request_method != NULL;
}

void cors_headers(const struct cors_config *cfg, const char *origin, bool preflight,
                  cors_header_fn add, void *ctx) {
  if (!cfg->any_origin)
    add(ctx, "Vary", "Origin");
  if (!cors_origin_allowed(cfg, origin))
    return;
  add(ctx, "Access-Control-Allow-Origin", cfg->any_origin ? "*" : origin);
  if (preflight) {
    add(ctx, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
    add(ctx, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    add(ctx, "Access-Control-Max-Age", CORS_MAX_AGE);
  } else {
    add(ctx, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
  }
}

void cors_add_to_res(void *ctx, const char *name, const char *value) {
  struct http_res *res = ctx;
  if (strcasecmp(name, "Vary") == 0) {
    for (size_t i = 0; i < res->nheaders; i++) {
      if (res->headers[i].name == NULL || res->headers[i].value == NULL ||
          strcasecmp(res->headers[i].name, "Vary") != 0)
        continue;
      size_t n = strlen(res->headers[i].value) + strlen(value) + 3;
      char *merged = malloc(n);
      if (merged == NULL)
        return;
      snprintf(merged, n, "%s, %s", res->headers[i].value, value);
      free(res->headers[i].value);
      res->headers[i].value = merged;
      return;
    }
  }
  http_res_header(res, name, value);
}
