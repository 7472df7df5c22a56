/* internal.h: helpers shared by the feed writers in src/feeds/ (not part of the public API). */
#ifndef IASC_FEEDS_INTERNAL_H
#define IASC_FEEDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "iasc/buf.h"
#include "iasc/result.h"

/* ---- text (xml.c) ---- */

/* As xml_escape_text, for a double- or single-quoted attribute value: tab and LF are also written
 * as character references so attribute-value normalisation does not turn them into spaces. */
void xml_escape_attr(struct buf *out, const char *s);
/* Appends s to out cleaned the same way but not escaped: valid UTF-8 free of the characters XML
 * forbids (for the JSON Feed writer, whose escaping jansson does). */
void text_clean(struct buf *out, const char *s);
/* Appends indent<name attrs>text</name> and a newline, text escaped by xml_escape_text. name and
 * attrs (NULL for none) are trusted literals written as they are. */
void xml_element(struct buf *out, const char *indent, const char *name, const char *attrs,
                 const char *text);

/* ---- the feed description (feed.c) ---- */

/* IASC_OK when feed has every required member with the right type and well-formed dates (the
 * contract in iasc/feeds.h), else IASC_INVALID. The writers call it before writing anything and
 * may then rely on it. */
enum iasc_result feed_check(const json_t *feed);
/* The string member key of obj, or NULL when it is absent, null or not a string. Borrowed. */
const char *feed_str(const json_t *obj, const char *key);
/* The array member key of obj, or NULL when it is absent, null or not an array. Borrowed. */
const json_t *feed_array(const json_t *obj, const char *key);

/* A moment in UTC, to the second. */
struct feed_date {
  int year, month, day, hour, minute, second;
  int weekday; /* 0 = Sunday */
};

enum { FEED_DATE_MAX = 32 }; /* room for either formatted form and its NUL */

/* Parses an RFC 3339 date-time ("2020-10-08T00:00:00.5+01:00"; 't', 'z' and a space for 'T' are
 * accepted) and converts it to UTC, dropping fractional seconds. Returns false when malformed. */
bool feed_date_parse(const char *s, struct feed_date *d);
/* Formats d as RFC 3339 in UTC: "2020-10-07T23:00:00Z". */
void feed_date_rfc3339(const struct feed_date *d, char out[FEED_DATE_MAX]);
/* Formats d as an RFC 822 (RFC 1123) date: "Wed, 07 Oct 2020 23:00:00 GMT". */
void feed_date_rfc822(const struct feed_date *d, char out[FEED_DATE_MAX]);

/* The feed's author, in every format. */
#define FEED_AUTHOR_NAME "Independent Anti-Slavery Commissioner"
/* The media type written for a document whose type is unknown (RSS and JSON Feed require one). */
#define FEED_UNKNOWN_MEDIA_TYPE "application/octet-stream"

#endif
