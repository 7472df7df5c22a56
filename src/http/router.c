/* router.c: matches a method and path against the declared route table. */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Matches pattern against path (copied into scratch); fills captures. */
static bool match_path(const char *pattern, const char *path, char *scratch, const char **captures,
                       size_t *ncaptures) {
  size_t ncap = 0;
  const char *p = pattern;
  const char *s = path;
  char *w = scratch;
  while (*p && *s) {
    if (*p == '{') {
      const char *close = strchr(p, '}');
      const char *end = strchr(s, '/');
      size_t len = end ? (size_t)(end - s) : strlen(s);
      if (close == NULL || len == 0 || ncap == HTTP_MAX_ROUTE_PARAMS)
        return false;
      memcpy(w, s, len);
      w[len] = '\0';
      captures[ncap++] = w;
      w += len + 1;
      p = close + 1;
      s += len;
    } else {
      if (*p != *s)
        return false;
      p++;
      s++;
    }
  }
  if (*p || *s)
    return false;
  *ncaptures = ncap;
  return true;
}

static void allow_add(char *allow, size_t size, const char *method) {
  if (strstr(allow, method) != NULL)
    return;
  size_t n = strlen(allow);
  snprintf(allow + n, size - n, "%s%s", n ? ", " : "", method);
}

enum router_outcome router_match(const struct route *table, size_t n, const char *method,
                                 const char *path, char *scratch, const char **captures,
                                 size_t *ncaptures, const struct route **route, char *allow,
                                 size_t allow_size) {
  const struct route *first = NULL; /* the first route whose path matches */
  bool won = false;
  const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
  allow[0] = '\0';
  *route = NULL;
  /* The winner's captures stay in the first half of scratch; other matches (for Allow) use
   * the second. */
  char *spare = scratch + strlen(path) + 1;
  for (size_t i = 0; i < n; i++) {
    const char *caps[HTTP_MAX_ROUTE_PARAMS];
    size_t ncaps = 0;
    bool winner = !won && strcmp(table[i].method, want) == 0;
    if (!match_path(table[i].pattern, path, winner ? scratch : spare, caps, &ncaps))
      continue;
    first = first != NULL ? first : &table[i];
    allow_add(allow, allow_size, table[i].method);
    if (strcmp(table[i].method, "GET") == 0)
      allow_add(allow, allow_size, "HEAD");
    if (winner) {
      won = true;
      *route = &table[i];
      memcpy(captures, caps, sizeof caps[0] * ncaps);
      *ncaptures = ncaps;
    }
  }
  if (first == NULL)
    return ROUTER_NOT_FOUND;
  allow_add(allow, allow_size, "OPTIONS");
  if (!won)
    *route = first;
  return won ? ROUTER_MATCH : ROUTER_NO_METHOD;
}
