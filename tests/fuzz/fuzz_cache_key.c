/* fuzz_cache_key.c: the response cache's key (cache_key in src/http/cache.h). Input: lines
 * path, query, base URL (each optional); the query is cut at '&' into parameters and each at its
 * first '=' into name and value, taken as they are (any bytes but NUL). The key must not depend
 * on the parameters' order, and must decode back to exactly what it was made from (so two
 * different requests never share an entry). */
#include "cache.h"

#include "fuzz.h"

#define MAX_PARAMS HTTP_MAX_QUERY_PARAMS

static int param_cmp(const void *a, const void *b) {
  const struct query_param *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c != 0 ? c : strcmp(x->value, y->value);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) into a malloc'd string; every byte outside the unreserved set (and '/'
 * when slash) must be encoded, with upper-case hex, and nothing else. */
static char *decode(const char *s, size_t n, bool slash) {
  char *out = malloc(n + 1);
  size_t o = 0;
  FUZZ_CHECK(out != NULL);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      FUZZ_CHECK(i + 2 < n);
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      FUZZ_CHECK(hi >= 0 && lo >= 0 && hi * 16 + lo != 0);
      c = (unsigned char)(hi * 16 + lo);
      FUZZ_CHECK(!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   strchr("-_.~", c) != NULL || (slash && c == '/')));
      i += 2;
    } else {
      FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 strchr("-_.~", c) != NULL || (slash && c == '/'));
    }
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return out;
}

/* Splits key back into its parts and compares them with what it was made from. */
static void check_decodes(const char *key, const char *base_url, const char *path,
                          const struct query_param *sorted, size_t nq) {
  const char *hash = strchr(key, '#');
  FUZZ_CHECK((hash != NULL) == (base_url != NULL));
  FUZZ_CHECK(base_url == NULL || strcmp(hash + 1, base_url) == 0);
  size_t end = hash != NULL ? (size_t)(hash - key) : strlen(key);
  const char *q = memchr(key, '?', end);
  FUZZ_CHECK((q != NULL) == (nq > 0));
  size_t plen = q != NULL ? (size_t)(q - key) : end;
  char *p = decode(key, plen, true);
  FUZZ_CHECK(strcmp(p, path) == 0);
  free(p);
  const char *s = q != NULL ? q + 1 : key + end;
  for (size_t i = 0; i < nq; i++) {
    const char *stop = key + end;
    const char *amp = memchr(s, '&', (size_t)(stop - s));
    const char *pend = amp != NULL ? amp : stop;
    const char *eq = memchr(s, '=', (size_t)(pend - s));
    FUZZ_CHECK(eq != NULL);
    char *name = decode(s, (size_t)(eq - s), false);
    char *value = decode(eq + 1, (size_t)(pend - eq - 1), false);
    FUZZ_CHECK(strcmp(name, sorted[i].name) == 0 && strcmp(value, sorted[i].value) == 0);
    free(name);
    free(value);
    FUZZ_CHECK((amp != NULL) == (i + 1 < nq));
    s = pend + (amp != NULL);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_pieces lines;
  fuzz_split(data, size, "\n", &lines);
  const char *path = lines.p[0];
  const char *base_url = fuzz_piece(&lines, 2, NULL);

  /* The parameters, in input order. */
  struct query_param q[MAX_PARAMS], perm[MAX_PARAMS];
  size_t nq = 0;
  char *query = lines.n > 1 ? lines.p[1] : NULL;
  while (query != NULL && nq < MAX_PARAMS) {
    char *amp = strchr(query, '&');
    if (amp != NULL)
      *amp = '\0';
    char *eq = strchr(query, '=');
    if (eq != NULL)
      *eq = '\0';
    q[nq].name = query;
    q[nq].value = eq != NULL ? eq + 1 : query + strlen(query);
    nq++;
    query = amp != NULL ? amp + 1 : NULL;
  }

  char *key = cache_key(base_url, path, q, nq);
  FUZZ_CHECK(key != NULL);

  /* Reversed, and rotated by one: the same key. */
  for (size_t i = 0; i < nq; i++)
    perm[i] = q[nq - 1 - i];
  char *k2 = cache_key(base_url, path, perm, nq);
  FUZZ_CHECK(k2 != NULL && strcmp(key, k2) == 0);
  free(k2);
  for (size_t i = 0; i < nq; i++)
    perm[i] = q[(i + 1) % nq];
  k2 = cache_key(base_url, path, perm, nq);
  FUZZ_CHECK(k2 != NULL && strcmp(key, k2) == 0);
  free(k2);

  memcpy(perm, q, nq * sizeof q[0]);
  if (nq > 0)
    qsort(perm, nq, sizeof perm[0], param_cmp);
  check_decodes(key, base_url, path, perm, nq);

  /* A NULL path is the empty one. */
  k2 = cache_key(base_url, NULL, q, nq);
  char *k3 = cache_key(base_url, "", q, nq);
  FUZZ_CHECK(k2 != NULL && k3 != NULL && strcmp(k2, k3) == 0);
  free(k2);
  free(k3);

  free(key);
  fuzz_pieces_free(&lines);
  return 0;
}
