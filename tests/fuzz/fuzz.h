/* fuzz.h: what the libFuzzer targets in tests/fuzz/ share: the entry point's prototype, a check
 * that aborts (so libFuzzer keeps the input as a crash), and copies of the input as C strings. */
#ifndef IASC_FUZZ_H
#define IASC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition when cond is false: libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* A malloc'd copy of data[0..size) with a NUL after it (it may hold NULs of its own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL)
    abort();
  if (size > 0)
    memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#define FUZZ_MAX_PIECES 16

/* The input cut into NUL-terminated pieces at every NUL and at every byte of seps. */
struct fuzz_pieces {
  char *buf; /* owned: free with fuzz_pieces_free */
  char *p[FUZZ_MAX_PIECES];
  size_t n; /* at least 1 (an empty input is one empty piece); at most FUZZ_MAX_PIECES, the
               pieces past that are ignored */
};

static inline void fuzz_split(const uint8_t *data, size_t size, const char *seps,
                              struct fuzz_pieces *out) {
  out->buf = fuzz_strndup(data, size);
  out->n = 0;
  out->p[out->n++] = out->buf;
  for (size_t i = 0; i < size; i++) {
    char c = out->buf[i];
    if (c == '\0' || strchr(seps, c) != NULL) {
      out->buf[i] = '\0';
      if (out->n == FUZZ_MAX_PIECES)
        break;
      out->p[out->n++] = out->buf + i + 1;
    }
  }
}

static inline void fuzz_pieces_free(struct fuzz_pieces *ps) {
  free(ps->buf);
  ps->buf = NULL;
  ps->n = 0;
}

/* The piece i, or fallback when there are fewer pieces. */
static inline const char *fuzz_piece(const struct fuzz_pieces *ps, size_t i, const char *fallback) {
  return i < ps->n ? ps->p[i] : fallback;
}

#endif
