/* conditional.h: HTTP validators and conditional requests (RFC 9110 §8.8, §13): entity-tag
 * lists, HTTP-dates, strong ETags from a hash of the body, and the 304 decision.
 * Every function is pure (no shared state, no locale) and safe from any thread. */
#ifndef IASC_CONDITIONAL_H
#define IASC_CONDITIONAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Room for an ETag made by conditional_etag_for or conditional_etag_gzip, NUL included:
 * "\"" + 16 hex + "-gz" + "\"" + NUL = 22. */
#define CONDITIONAL_ETAG_MAX 24
/* Room for an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT" is 29 characters) and its NUL. */
#define CONDITIONAL_DATE_MAX 30

/* The 64-bit XXH64 hash (seed 0) of n bytes; exported for tests and cache keys. */
uint64_t conditional_hash64(const void *data, size_t n);

/* Writes a strong ETag for the bytes, "\"<16 lowercase hex of XXH64>\"", into out. */
void conditional_etag_for(const void *body, size_t len, char out[CONDITIONAL_ETAG_MAX]);

/* Writes the ETag of the gzip-coded representation derived from etag: "-gz" inserted before
 * the closing quote ("\"abc\"" -> "\"abc-gz\"", W/"abc" -> W/"abc-gz"). The two representations
 * differ in bytes, so they must not share a strong tag. Returns false (out = "") when etag is
 * not a quoted entity-tag or the result would not fit in CONDITIONAL_ETAG_MAX. */
bool conditional_etag_gzip(const char *etag, char out[CONDITIONAL_ETAG_MAX]);

/* Writes t as an IMF-fixdate into out. Times before the epoch or after year 9999 are clamped. */
void conditional_http_date(time_t t, char out[CONDITIONAL_DATE_MAX]);

/* The 304 decision for a GET or HEAD whose normal answer is 200 with validators etag (of the
 * representation that would be sent, i.e. the gzip tag when gzip was negotiated; may be NULL)
 * and last_modified (<= 0: unknown). RFC 9110 §13.2.2: when If-None-Match is present (inm not
 * NULL, even if empty or malformed) only it decides and If-Modified-Since is ignored;
 * otherwise If-Modified-Since decides. Both absent: false. The caller checks the method and
 * the status; other methods use If-Match/If-Unmodified-Since instead (412). */
bool conditional_is_not_modified(const char *inm, const char *ims, const char *etag,
                                 time_t last_modified);

#endif
