/* xml.c: the one place feed text is cleaned of invalid UTF-8 and forbidden characters and escaped
 * for XML. */
#include "internal.h"

#include <stdint.h>

enum escape_mode {
  ESCAPE_NONE, /* clean only */
  ESCAPE_TEXT, /* element content */
  ESCAPE_ATTR, /* attribute value */
};

/* U+FFFD REPLACEMENT CHARACTER, written for every byte that does not start valid UTF-8. */
static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* Decodes the UTF-8 sequence at p (NUL-terminated). Returns its code point and sets *len to its
 * byte count, or returns -1 with *len = 1 when p does not start a valid sequence: stray
 * continuation bytes, truncated sequences, overlong forms, surrogates and values above U+10FFFF
 * are all invalid. Never reads past the terminating NUL. */
static int32_t utf8_decode(const unsigned char *p, size_t *len) {
  unsigned char c = p[0];
  int32_t cp;
  int32_t min;
  size_t n;
  *len = 1;
  if (c < 0x80)
    return c;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) /* includes the NUL: stops before reading past it */
      return -1;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  *len = n;
  return cp;
}

/* True when cp may appear in the output: XML 1.0's Char production minus its discouraged
 * characters (C1 controls and DEL, U+FDD0..U+FDEF and the two noncharacters ending each plane). */
static bool char_allowed(int32_t cp) {
  if (cp < 0x20)
    return cp == '\t' || cp == '\n' || cp == '\r';
  if (cp >= 0x7F && cp <= 0x9F)
    return false;
  if (cp >= 0xFDD0 && cp <= 0xFDEF)
    return false;
  return (cp & 0xFFFE) != 0xFFFE;
}

/* The replacement written for an ASCII character in mode, or NULL when it is written as is. */
static const char *escape_ascii(int32_t cp, enum escape_mode mode) {
  if (mode == ESCAPE_NONE)
    return NULL;
  switch (cp) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '"':
    return "&quot;";
  case '\'':
    return "&#39;";
  case '\r':
    return "&#13;";
  case '\n':
    return mode == ESCAPE_ATTR ? "&#10;" : NULL;
  case '\t':
    return mode == ESCAPE_ATTR ? "&#9;" : NULL;
  default:
    return NULL;
  }
}

/* Appends s to out in mode, copying runs of unchanged bytes in one go. A NULL s appends nothing. */
static void text_write(struct buf *out, const char *s, enum escape_mode mode) {
  if (s == NULL)
    return;
  const unsigned char *p = (const unsigned char *)s;
  const unsigned char *run = p; /* start of bytes not yet appended */
  while (*p) {
    size_t len;
    int32_t cp = utf8_decode(p, &len);
    const char *with; /* what replaces the sequence at p; NULL when it is kept */
    if (cp < 0)
      with = REPLACEMENT;
    else if (!char_allowed(cp))
      with = "";
    else
      with = escape_ascii(cp, mode);
    if (with != NULL) {
      buf_append(out, (const char *)run, (size_t)(p - run));
      buf_puts(out, with);
      run = p + len;
    }
    p += len;
  }
  buf_append(out, (const char *)run, (size_t)(p - run));
}

void xml_escape_text(struct buf *out, const char *s) {
  text_write(out, s, ESCAPE_TEXT);
}

void xml_escape_attr(struct buf *out, const char *s) {
  text_write(out, s, ESCAPE_ATTR);
}

void text_clean(struct buf *out, const char *s) {
  text_write(out, s, ESCAPE_NONE);
}

void xml_element(struct buf *out, const char *indent, const char *name, const char *attrs,
                 const char *text) {
  buf_puts(out, indent);
  buf_printf(out, "<%s%s%s>", name, attrs ? " " : "", attrs ? attrs : "");
  xml_escape_text(out, text);
  buf_printf(out, "</%s>\n", name);
}
