/* buf.c: a growable, always NUL-terminated byte buffer. */
#include "iasc/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool buf_reserve(struct buf *b, size_t extra) {
  if (b->failed)
    return false;
  if (b->len + extra + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void buf_append(struct buf *b, const char *s, size_t n) {
  if (!buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) {
  buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !buf_reserve(b, (size_t)n)) {
    b->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_json_string(struct buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  buf_append(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"':
      buf_append(b, "\\\"", 2);
      break;
    case '\\':
      buf_append(b, "\\\\", 2);
      break;
    case '\n':
      buf_append(b, "\\n", 2);
      break;
    case '\r':
      buf_append(b, "\\r", 2);
      break;
    case '\t':
      buf_append(b, "\\t", 2);
      break;
    default:
      if (*p < 0x20) {
        char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
        buf_append(b, esc, 6);
      } else {
        buf_append(b, (const char *)p, 1);
      }
    }
  }
  buf_append(b, "\"", 1);
}

/* The end of the JSON string that starts with the quote at s[start]: just past its closing
 * quote (one preceded by an even number of backslashes), or n when it is not closed. */
static size_t string_end(const char *s, size_t start, size_t n) {
  for (size_t from = start + 1; from < n;) {
    const char *q = memchr(s + from, '"', n - from);
    if (q == NULL)
      break;
    size_t k = (size_t)(q - s), backslashes = 0;
    while (k - backslashes > start + 1 && s[k - backslashes - 1] == '\\')
      backslashes++;
    if (backslashes % 2 == 0)
      return k + 1;
    from = k + 1;
  }
  return n;
}

void buf_json_compact(struct buf *b, const char *s, size_t n) {
  /* Into memory reserved for all of s, strings copied whole (a page of 20 items is 16 KB,
   * mostly strings, with a thousand separators to drop between them). */
  if (!buf_reserve(b, n))
    return;
  char *out = b->data + b->len;
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == '"') {
      size_t end = string_end(s, i, n);
      memcpy(out, s + i, end - i);
      out += end - i;
      i = end;
      continue;
    }
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
      *out++ = c;
    i++;
  }
  b->len = (size_t)(out - b->data);
  b->data[b->len] = '\0';
}

/* Percent-encodes every byte of s but unreserved characters and keep_slash's '/'. */
static void url_encode(struct buf *b, const char *s, bool keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '_' || *p == '.' || *p == '~' || (keep_slash && *p == '/')) {
      buf_append(b, (const char *)p, 1);
    } else {
      char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      buf_append(b, esc, 3);
    }
  }
}

void buf_url_encode(struct buf *b, const char *s) {
  url_encode(b, s, false);
}

void buf_url_encode_path(struct buf *b, const char *s) {
  url_encode(b, s, true);
}

char *buf_steal(struct buf *b) {
  char *p = b->data;
  if (p == NULL)
    p = calloc(1, 1);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
  return p;
}

void buf_free(struct buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}
