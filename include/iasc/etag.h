/* etag.h: entity-tags and lists of them as HTTP sends them (RFC 9110 §8.8.3, §13.1.1-2): the
 * one parser behind If-None-Match (http) and If-Match (writes). Pure functions. */
#ifndef IASC_ETAG_H
#define IASC_ETAG_H

#include <stdbool.h>
#include <stddef.h>

/* Parses one entity-tag at p. Returns the position after it, or NULL when malformed; sets
 * *opaque to the opaque-tag (quotes included, *olen bytes) and *weak. */
const char *etag_parse(const char *p, bool *weak, const char **opaque, size_t *olen);

/* True when the whole field value is a lone "*" (optional white space around it). */
bool etag_is_star(const char *value);

/* Called for each well-formed member of a list; return true to stop. */
typedef bool (*etag_member_fn)(bool weak, const char *opaque, size_t olen, const void *ctx);

/* Walks the comma-separated list in value, skipping malformed members, until fn returns
 * true (then true) or the list ends (false). */
bool etag_list_any(const char *value, etag_member_fn fn, const void *ctx);

#endif
