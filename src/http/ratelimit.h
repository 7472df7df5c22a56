/* ratelimit.h: private to src/http: token buckets in memory, one per client address, token or
 * address's failed authentications, in a table bounded in entries (least recently seen
 * entries make room for new ones). Keys are opaque 16 bytes: an address's limiting key, or
 * a digest of a token; nothing here logs or exposes them. Thread-safe. */
#ifndef IASC_HTTP_RATELIMIT_H
#define IASC_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rate_kind {
  RATE_ADDRESS, /* an anonymous client, by address (IPv6 by its /64) */
  RATE_TOKEN,   /* a bearer token */
  RATE_AUTH,    /* an address's failed authentications */
  RATE_KINDS
};

/* A bucket's rule: per_minute refilled evenly, at most burst held; per_minute 0: no limit. */
struct rate_policy {
  const char *name; /* the name RateLimit-Policy and RateLimit give it */
  unsigned per_minute;
  unsigned burst;
};

/* What a bucket said of one request. */
struct rate_verdict {
  const struct rate_policy *policy; /* NULL: not limited (no headers) */
  bool refused;                     /* the bucket held less than one request */
  unsigned remaining;               /* whole requests left now */
  unsigned reset;                   /* seconds until the bucket is full again */
  unsigned retry_after;             /* refused: seconds until one request passes */
};

/* Creates the table for at most max_entries buckets with the three kinds' policies (copied).
 * 0, or -1 when out of memory. */
int ratelimit_init(const struct rate_policy policies[RATE_KINDS], size_t max_entries);
void ratelimit_shutdown(void);

/* True when kind has a limit. */
bool ratelimit_enabled(enum rate_kind kind);

/* Takes one request from the bucket of (kind, key), made full when new; refused leaves it
 * as it was. take false only looks (a bucket not there counts as full). */
void ratelimit_check(enum rate_kind kind, const uint8_t key[16], bool take, struct rate_verdict *v);

/* Buckets held now (a gauge for /metrics). */
size_t ratelimit_entries(void);

#endif
