/* fuzz_cursor.c: the keyset cursor codec. The whole input is decoded as a token (refused unless
 * it is one the code made, as some seeds are: a fuzzer cannot forge the MAC); then the input cut
 * at newlines is a kind and its keys, which cursor_encode then cursor_decode must give back
 * exactly, and which a token with one character changed must never decode to anything else. */
#include "iasc/cursor.h"
#include "iasc/text.h"

#include "fuzz.h"

#define CURSOR_MAX_LEN 2048 /* the longest token cursor_decode accepts (src/util/cursor.c) */

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void free_keys(char **keys, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(keys[i]);
}

/* Decodes token as kind with n keys; when it succeeds the keys must equal want (if given). */
static enum iasc_result decode_check(const char *token, const char *kind, size_t n,
                                     const char *const *want) {
  char *keys[CURSOR_MAX_KEYS + 1] = {0};
  enum iasc_result r = cursor_decode(token, kind, keys, n);
  FUZZ_CHECK(r == IASC_OK || r == IASC_INVALID_CURSOR);
  if (r == IASC_OK) {
    for (size_t i = 0; i < n; i++) {
      FUZZ_CHECK(keys[i] != NULL);
      FUZZ_CHECK(want == NULL || strcmp(keys[i], want[i]) == 0);
    }
    free_keys(keys, n);
  }
  return r;
}

static void round_trip(const uint8_t *data, size_t size) {
  struct fuzz_pieces ps;
  fuzz_split(data, size, "\n", &ps);
  const char *kind = ps.p[0];
  size_t nkeys = ps.n - 1 < CURSOR_MAX_KEYS ? ps.n - 1 : CURSOR_MAX_KEYS;
  const char *const *keys = (const char *const *)&ps.p[1];
  for (size_t i = 0; i <= nkeys; i++) {
    if (!text_valid_utf8(ps.p[i], strlen(ps.p[i]))) { /* JSON strings are UTF-8 */
      fuzz_pieces_free(&ps);
      return;
    }
  }
  char *token = cursor_encode(kind, keys, nkeys);
  FUZZ_CHECK(token != NULL);
  size_t len = strlen(token);
  for (size_t i = 0; i < len; i++)
    FUZZ_CHECK(token[i] == '.' || strchr(B64URL, token[i]) != NULL);
  if (len <= CURSOR_MAX_LEN) {
    FUZZ_CHECK(decode_check(token, kind, nkeys, keys) == IASC_OK);
    /* Another number of keys, or another listing, is refused. */
    if (nkeys < CURSOR_MAX_KEYS)
      FUZZ_CHECK(decode_check(token, kind, nkeys + 1, NULL) == IASC_INVALID_CURSOR);
    if (nkeys > 0)
      FUZZ_CHECK(decode_check(token, kind, nkeys - 1, NULL) == IASC_INVALID_CURSOR);
    size_t klen = strlen(kind);
    char *other = malloc(klen + 2);
    FUZZ_CHECK(other != NULL);
    memcpy(other, kind, klen);
    memcpy(other + klen, "x", 2);
    FUZZ_CHECK(decode_check(token, other, nkeys, NULL) == IASC_INVALID_CURSOR);
    free(other);
    /* A character changed (position and replacement from the input): refused, or (for the
     * unused low bits of a final base64 character) the same keys. */
    size_t at = size % len;
    char was = token[at];
    unsigned char shift = size > 0 ? data[0] : 1;
    token[at] = B64URL[(unsigned char)(shift + (unsigned char)was) % 64];
    if (token[at] != was)
      (void)decode_check(token, kind, nkeys, keys);
    token[at] = was;
  }
  free(token);
  fuzz_pieces_free(&ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool ready;
  if (!ready) {
    static const char secret[] = "fuzz-cursor-secret-0123456789abcdef";
    cursor_set_secret(secret, sizeof secret - 1);
    ready = true;
  }
  char *token = fuzz_strndup(data, size);
  static const char *const kinds[] = {"news:p", "publications:r", "audit"};
  for (size_t k = 0; k < 3; k++) /* the seeds hold real tokens of these kinds */
    for (size_t n = 1; n <= 3; n++)
      (void)decode_check(token, kinds[k], n, NULL);
  free(token);
  round_trip(data, size);
  return 0;
}
