/* xml.c: the one place feed text is cleaned of invalid UTF-8 and forbidden characters and escaped
 * for XML. */
#include "internal.h"

#include <stdint.h>

#include "iasc/text.h"

enum escape_mode {
  ESCAPE_NONE, /* clean only */
  ESCAPE_TEXT, /* element content */
  ESCAPE_ATTR, /* attribute value */
};

/* U+FFFD REPLACEMENT CHARACTER, written for every byte that does not start valid UTF-8. */
static const char REPLACEMENT[] = "\xEF\xBF\xBD";

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
    int32_t cp = text_utf8_decode(p, 4, &len); /* the NUL stops it */
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

/* Appends s to out as XML character data: & < > " ' become entity references, CR becomes
 * &#13; (so parsers do not fold it away), invalid UTF-8 becomes U+FFFD and characters XML 1.0
 * forbids or discourages are dropped. Safe in element content; never needs CDATA. */
static void xml_escape_text(struct buf *out, const char *s) {
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
