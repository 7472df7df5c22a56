/* buf.h: a growable byte buffer that always stays NUL-terminated. */
#ifndef IASC_BUF_H
#define IASC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
  char *data; /* owned; NUL-terminated; NULL until the first append */
  size_t len;
  size_t cap;
  bool failed; /* an allocation failed: contents are incomplete */
};

/* Makes room for extra more bytes (and the NUL) at once; false when that failed. */
bool buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included). */
void buf_json_string(struct buf *b, const char *s);
/* Appends the JSON text s[0..n) without the insignificant white space outside strings
 * (PostgreSQL's json_build_object writes "key" : value). */
void buf_json_compact(struct buf *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL query component. */
void buf_url_encode(struct buf *b, const char *s);
/* Appends s percent-encoded for a URL path: the same, but '/' is kept. */
void buf_url_encode_path(struct buf *b, const char *s);
/* Gives the buffer's memory to the caller (free() it); the buffer is reset. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
