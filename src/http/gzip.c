/* gzip.c: Accept-Encoding negotiation and gzip compression with zlib. */
#include "gzip.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

/* Parses a qvalue ("0" ["." 0*3DIGIT] / "1" ["." 0*3"0"]) at *pp into thousandths.
 * Returns -1 when malformed; *pp moves past the digits. */
static int parse_qvalue(const char **pp) {
  const char *p = *pp;
  int v;
  if (*p == '0')
    v = 0;
  else if (*p == '1')
    v = 1000;
  else
    return -1;
  p++;
  if (*p == '.') {
    p++;
    int scale = 100;
    for (int i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, p++) {
      if (v == 1000 && *p != '0')
        return -1;
      v += (*p - '0') * scale;
      scale /= 10;
    }
  }
  if (*p >= '0' && *p <= '9')
    return -1; /* a fourth decimal, or "01" */
  *pp = p;
  return v;
}

static bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

static bool token_is(const char *t, size_t n, const char *name) {
  return strlen(name) == n && strncasecmp(t, name, n) == 0;
}

enum gzip_choice gzip_negotiate(const char *accept_encoding) {
  if (accept_encoding == NULL)
    return GZIP_IDENTITY;
  int q_gzip = -1, q_identity = -1, q_star = -1; /* -1: not listed */
  const char *p = accept_encoding;
  while (*p != '\0') {
    while (is_ows(*p) || *p == ',')
      p++;
    if (*p == '\0')
      break;
    const char *tok = p;
    while (*p != '\0' && *p != ',' && *p != ';' && !is_ows(*p))
      p++;
    size_t toklen = (size_t)(p - tok);
    int q = 1000;
    bool ok = toklen > 0;
    /* Parameters: only q means anything for a content coding; others are skipped. */
    for (;;) {
      while (is_ows(*p))
        p++;
      if (*p != ';')
        break;
      p++;
      while (is_ows(*p))
        p++;
      if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
        p += 2;
        q = parse_qvalue(&p);
        if (q < 0)
          ok = false;
      }
      while (*p != '\0' && *p != ',' && *p != ';' && !is_ows(*p))
        p++;
    }
    if (*p != '\0' && *p != ',')
      ok = false;
    while (*p != '\0' && *p != ',')
      p++;
    if (!ok)
      continue;
    int *slot = NULL;
    if (token_is(tok, toklen, "gzip") || token_is(tok, toklen, "x-gzip"))
      slot = &q_gzip;
    else if (token_is(tok, toklen, "identity"))
      slot = &q_identity;
    else if (token_is(tok, toklen, "*"))
      slot = &q_star;
    if (slot != NULL && q > *slot)
      *slot = q;
  }
  int gz = q_gzip >= 0 ? q_gzip : (q_star >= 0 ? q_star : 0);
  /* identity not listed (nor "*"): acceptable, but the least preferred of the acceptable. */
  int id = q_identity >= 0 ? q_identity : (q_star >= 0 ? q_star : 1);
  if (gz > 0 && gz >= id)
    return id > 0 ? GZIP_USE : GZIP_ONLY;
  if (id > 0)
    return GZIP_IDENTITY;
  return GZIP_NONE_ACCEPTABLE;
}

bool gzip_should_compress(enum gzip_choice choice, size_t len) {
  return choice == GZIP_ONLY || (choice == GZIP_USE && len >= GZIP_MIN_BYTES);
}

bool gzip_compress(const void *in, size_t n, struct buf *out) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (out->failed)
    return false;
  if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  size_t start = out->len;
  bool ok = true;
  const unsigned char *src = in;
  size_t left = n;
  unsigned char chunk[16384];
  int rc = Z_OK;
  while (ok && rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && left > 0) {
      zs.next_in = (unsigned char *)src; /* zlib's API is not const; it does not write */
      zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      src += zs.avail_in;
      left -= zs.avail_in;
    }
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      ok = false;
      break;
    }
    buf_append(out, (const char *)chunk, sizeof chunk - zs.avail_out);
    ok = !out->failed;
  }
  deflateEnd(&zs);
  if (!ok) { /* undo our partial output, and the failure mark it may have set */
    out->failed = false;
    out->len = start;
    if (out->data != NULL)
      out->data[start] = '\0';
  }
  return ok;
}
