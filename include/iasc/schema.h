/* schema.h: what each content type accepts in a write, and its validation. Plain C and
 * jansson: no HTTP, no SQL. */
#ifndef IASC_SCHEMA_H
#define IASC_SCHEMA_H

#include <stdbool.h>

#include <jansson.h>

#include "iasc/statements.h"

enum field_type {
  F_STRING,    /* text of 1..max characters */
  F_SLUG,      /* lower-case words joined by '-', 1..100 */
  F_WORD,      /* lower-case letters, digits and '_' (types, categories), 1..60 */
  F_URL,       /* absolute http(s) URL, up to 2000 */
  F_EMAIL,     /* an e-mail address */
  F_DATE,      /* YYYY-MM-DD, a real day */
  F_TIMESTAMP, /* RFC 3339 date-time with offset */
  F_APPROX,    /* YYYY or YYYY-MM */
  F_ENUM,      /* one of values */
  F_BOOL,
  F_INT,        /* integer in [min, max] */
  F_STRINGS,    /* array of F_STRING (each 1..max) */
  F_SLUGS,      /* array of F_SLUG */
  F_URLS,       /* array of F_URL */
  F_STRING_MAP, /* object of string values (identifiers) */
  F_DOCUMENTS,  /* array of {url, media_type, size_bytes, title} */
};

struct field {
  const char *name;
  enum field_type type;
  bool required;
  bool nullable;
  long long min, max;        /* F_INT bounds; max length for strings (0: default) */
  const char *const *values; /* F_ENUM */
  const char *fallback;      /* JSON text used when the field is absent (NULL: null) */
};

struct content_kind {
  const char *name;        /* URL segment and audit type: news, support-rates, ... */
  const char *scope;       /* the write scope: news:write, ... */
  const char *key_field;   /* slug, or id for support rates */
  const char *title_field; /* the field a missing key is derived from */
  bool markdown;           /* body_markdown is rendered into body_html */
  const struct field *fields;
  const char *const *read_only; /* fields the representation carries but writes may not set */
  enum stmt_id get_stmt;        /* one item, by key, admin view */
  /* A Europe/London date writes may give for published_at ("published_on"; NULL: none). The
   * representation derives it from published_at, so it is stripped before a merge patch; a
   * write that gives it alone is dated at the start of that day (content_write). */
  const char *date_field;
};

extern const struct content_kind KIND_NEWS, KIND_PUBLICATIONS, KIND_HELPLINES, KIND_SUPPORT_RATES,
    KIND_RESOURCES;

/* Validates obj as a complete item of kind k and returns a new complete document (every
 * field present, absent ones from their fallback, key derived from the title when absent,
 * body_html rendered), or NULL with *errors set to a new array of {field, message} listing
 * every problem. The caller owns whichever is returned. */
json_t *schema_validate(const struct content_kind *k, const json_t *obj, json_t **errors);

/* Removes from a representation obj (in place) the fields writes cannot set, leaving what a
 * merge patch applies to. */
void schema_strip_read_only(const struct content_kind *k, json_t *obj);

/* Prepares the current representation for a merge patch: when the patch names k's
 * date_field but not published_at, the current published_at goes (the patch's date stands
 * for it). current is changed in place. */
void schema_patch_prepare(const struct content_kind *k, json_t *current, const json_t *patch);

/* RFC 7396 JSON merge patch: applies patch to target in place (target must be an object).
 * Returns the (possibly replaced) target; the caller keeps ownership of both arguments'
 * references as passed in: the result is a new reference. */
json_t *schema_merge_patch(json_t *target, const json_t *patch);

#endif
