/* cursor.c: keyset cursors as base64url(JSON ["kind", key...]) "." base64url(HMAC-SHA256[:16]).
 * The MAC binds the keys to the listing kind, so a cursor edited, truncated, or taken from
 * another listing is refused rather than silently restarting at the first page. */
#include "iasc/cursor.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "iasc/buf.h"

#define MAC_BYTES      16
#define CURSOR_MAX_LEN 2048

static unsigned char secret[64];
static size_t secret_len;

void cursor_set_secret(const char *s, size_t len) {
  if (len > sizeof secret)
    len = sizeof secret;
  memcpy(secret, s, len);
  secret_len = len;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = B64[(v >> 18) & 63];
    out[o++] = B64[(v >> 12) & 63];
    if (i + 1 < n)
      out[o++] = B64[(v >> 6) & 63];
    if (i + 2 < n)
      out[o++] = B64[v & 63];
  }
  out[o] = '\0';
}

static int b64_value(char c) {
  const char *p = c ? strchr(B64, c) : NULL;
  return p ? (int)(p - B64) : -1;
}

/* Decodes n chars of base64url (no padding). Returns the byte count or -1. */
static long b64url_decode(const char *in, size_t n, unsigned char *out) {
  if (n % 4 == 1)
    return -1;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = 0;
    size_t k;
    for (k = 0; k < 4 && i + k < n; k++) {
      int d = b64_value(in[i + k]);
      if (d < 0)
        return -1;
      v |= (uint32_t)d << (18 - 6 * k);
    }
    out[o++] = (unsigned char)(v >> 16);
    if (k > 2)
      out[o++] = (unsigned char)(v >> 8);
    if (k > 3)
      out[o++] = (unsigned char)v;
  }
  return (long)o;
}

static bool mac(const char *payload, size_t n, unsigned char out[MAC_BYTES]) {
  unsigned char full[32];
  if (secret_len == 0 ||
      gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, secret_len, payload, n, full) != 0)
    return false;
  memcpy(out, full, MAC_BYTES);
  return true;
}

char *cursor_encode(const char *kind, const char *const *keys, size_t nkeys) {
  /* The compact JSON array jansson would dump, written directly (one per page served). */
  struct buf b = {0};
  buf_append(&b, "[", 1);
  buf_json_string(&b, kind);
  for (size_t i = 0; i < nkeys; i++) {
    buf_append(&b, ",", 1);
    buf_json_string(&b, keys[i] ? keys[i] : "");
  }
  buf_append(&b, "]", 1);
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  size_t n = b.len;
  char *payload = buf_steal(&b);
  unsigned char tag[MAC_BYTES];
  char *out = NULL;
  if (mac(payload, n, tag)) {
    out = malloc((n + 2) / 3 * 4 + 1 + (MAC_BYTES + 2) / 3 * 4 + 1);
    if (out != NULL) {
      b64url_encode((const unsigned char *)payload, n, out);
      size_t len = strlen(out);
      out[len] = '.';
      b64url_encode(tag, MAC_BYTES, out + len + 1);
    }
  }
  free(payload);
  return out;
}

enum iasc_result cursor_decode(const char *token, const char *kind, char **keys, size_t nkeys) {
  enum iasc_result res = IASC_INVALID_CURSOR;
  unsigned char *payload = NULL;
  json_t *arr = NULL;
  size_t len = strnlen(token, CURSOR_MAX_LEN + 1);
  const char *dot = memchr(token, '.', len);
  if (len > CURSOR_MAX_LEN || dot == NULL || nkeys > CURSOR_MAX_KEYS)
    return res;
  size_t plen = (size_t)(dot - token);
  payload = malloc(plen + 1);
  unsigned char tag[MAC_BYTES + 3], want[MAC_BYTES];
  long n = payload ? b64url_decode(token, plen, payload) : -1;
  size_t tlen = len - plen - 1;
  if (n <= 0 || tlen != (MAC_BYTES + 2) / 3 * 4 - 2 ||
      b64url_decode(dot + 1, tlen, tag) != MAC_BYTES || !mac((char *)payload, (size_t)n, want))
    goto out;
  unsigned char diff = 0; /* constant-time comparison */
  for (size_t i = 0; i < MAC_BYTES; i++)
    diff |= (unsigned char)(tag[i] ^ want[i]);
  if (diff != 0)
    goto out;
  arr = json_loadb((const char *)payload, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_array(arr) || json_array_size(arr) != nkeys + 1 ||
      !json_is_string(json_array_get(arr, 0)) ||
      strcmp(json_string_value(json_array_get(arr, 0)), kind) != 0)
    goto out;
  for (size_t i = 0; i < nkeys; i++)
    if (!json_is_string(json_array_get(arr, i + 1)))
      goto out;
  for (size_t i = 0; i < nkeys; i++)
    keys[i] = strdup(json_string_value(json_array_get(arr, i + 1)));
  res = IASC_OK;
out:
  json_decref(arr);
  free(payload);
  return res;
}
