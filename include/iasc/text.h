/* text.h: the one implementation of each text check and coding that several rooms need:
 * hex, UTF-8, control characters, calendar dates and RFC 3339 timestamps. Pure functions of
 * their arguments: no allocation, no state, safe from any thread. */
#ifndef IASC_TEXT_H
#define IASC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the lower-case hex of in[0..n) into out (2n + 1 bytes, NUL-terminated). */
void text_hex(const void *in, size_t n, char *out);

/* Decodes the UTF-8 sequence at p, of which avail bytes may be read. Returns its code point
 * and sets *len to its byte count, or returns -1 with *len = 1 when p does not start a valid
 * sequence (stray continuation bytes, truncated sequences, overlong forms, surrogates, values
 * above U+10FFFF). In a NUL-terminated string avail may be 4: the NUL ends any sequence
 * before a byte past it is read. */
int32_t text_utf8_decode(const unsigned char *p, size_t avail, size_t *len);

/* True when s[0..n) is valid UTF-8 (no NUL check: n bounds it). */
bool text_valid_utf8(const char *s, size_t n);

/* s[0..n) is the start of valid UTF-8 that may end inside a character: the largest length
 * <= n that ends on a character boundary. */
size_t text_utf8_boundary(const char *s, size_t n);

/* Code points in a NUL-terminated string that is valid UTF-8. */
size_t text_utf8_chars(const char *s);

/* True when s (NUL-terminated) holds a C0 control character or DEL; with allow_newlines,
 * tab, CR and LF are allowed. */
bool text_has_control(const char *s, bool allow_newlines);

/* True when s[0..n) is one or more ASCII digits. */
bool text_digits(const char *s, size_t n);

/* The value of n ASCII digits (text_digits said yes; n small enough for an int). */
int text_number(const char *s, size_t n);

/* YYYY-MM-DD, a real calendar day. */
bool text_valid_date(const char *s);

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac up to 6 digits](Z|±HH:MM), the offset at
 * most 15:59 (PostgreSQL refuses larger ones). */
bool text_valid_timestamp(const char *s);

#endif
