/* conditional.c: entity-tags, HTTP-dates and the 304 decision (RFC 9110 §8.8, §13). */
#include "conditional.h"

#include <string.h>
#include <strings.h>

#include "iasc/etag.h"
#include "iasc/text.h"

/* ---- XXH64 (seed 0), the reference algorithm written out ---- */

static const uint64_t P1 = 0x9E3779B185EBCA87ULL;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t P3 = 0x165667B19E3779F9ULL;
static const uint64_t P4 = 0x85EBCA77C2B2AE63ULL;
static const uint64_t P5 = 0x27D4EB2F165667C5ULL;

static uint64_t rotl64(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

/* Little-endian loads whatever the host order; compilers turn these into one load. */
static uint64_t read64(const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint32_t read32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t xxh_round(uint64_t acc, uint64_t input) {
  acc += input * P2;
  acc = rotl64(acc, 31);
  return acc * P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t val) {
  acc ^= xxh_round(0, val);
  return acc * P1 + P4;
}

uint64_t conditional_hash64(const void *data, size_t n) {
  const unsigned char *p = data;
  const unsigned char *end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
    const unsigned char *limit = end - 32;
    do {
      v1 = xxh_round(v1, read64(p));
      v2 = xxh_round(v2, read64(p + 8));
      v3 = xxh_round(v3, read64(p + 16));
      v4 = xxh_round(v4, read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xxh_merge(h, v1);
    h = xxh_merge(h, v2);
    h = xxh_merge(h, v3);
    h = xxh_merge(h, v4);
  } else {
    h = P5;
  }
  h += (uint64_t)n;
  while (end - p >= 8) {
    h ^= xxh_round(0, read64(p));
    h = rotl64(h, 27) * P1 + P4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= (uint64_t)read32(p) * P1;
    h = rotl64(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)*p * P5;
    h = rotl64(h, 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

void conditional_etag_for(const void *body, size_t len, char out[CONDITIONAL_ETAG_MAX]) {
  uint64_t h = conditional_hash64(body, len);
  unsigned char be[8];
  for (int i = 0; i < 8; i++)
    be[i] = (unsigned char)(h >> (56 - 8 * i));
  out[0] = '"';
  text_hex(be, sizeof be, out + 1);
  out[17] = '"';
  out[18] = '\0';
}

/* ---- entity-tags ---- */

struct tag {
  bool weak;
  const char *o;
  size_t n;
};

static bool weak_eq(bool weak, const char *o, size_t n, const void *ctx) {
  (void)weak;
  const struct tag *t = ctx;
  return n == t->n && memcmp(o, t->o, n) == 0;
}

/* If-None-Match: true when the field value is "*" or lists an entity-tag that matches etag by
 * WEAK comparison (W/ prefixes ignored on both sides). Spaces around list members and empty
 * members are tolerated; a malformed member never matches. NULL if_none_match or etag: false. */
static bool conditional_etag_match(const char *if_none_match, const char *etag) {
  if (if_none_match == NULL || etag == NULL)
    return false;
  if (etag_is_star(if_none_match))
    return true;
  struct tag t;
  const char *after = etag_parse(etag, &t.weak, &t.o, &t.n);
  if (after == NULL || *after != '\0')
    return false;
  return etag_list_any(if_none_match, weak_eq, &t);
}

bool conditional_etag_gzip(const char *etag, char out[CONDITIONAL_ETAG_MAX]) {
  struct tag t;
  out[0] = '\0';
  if (etag == NULL)
    return false;
  const char *after = etag_parse(etag, &t.weak, &t.o, &t.n);
  if (after == NULL || *after != '\0')
    return false;
  size_t prefix = (size_t)(t.o - etag) + t.n - 1; /* everything before the closing quote */
  if (prefix + sizeof "-gz\"" > CONDITIONAL_ETAG_MAX)
    return false;
  memcpy(out, etag, prefix);
  memcpy(out + prefix, "-gz\"", sizeof "-gz\"");
  return true;
}

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* ---- HTTP-dates ---- */

static const char *const DAYS[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const LONG_DAYS[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(int y, unsigned m) {
  static const unsigned DIM[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : DIM[m - 1];
}

/* A cursor over [p, end). */
struct scan {
  const char *p;
  const char *end;
};

static bool lit(struct scan *s, const char *text) {
  size_t n = strlen(text);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, text, n) != 0)
    return false;
  s->p += n;
  return true;
}

/* Exactly n digits. */
static bool digits(struct scan *s, int n, int *out) {
  int v = 0;
  if (s->end - s->p < n)
    return false;
  for (int i = 0; i < n; i++) {
    char c = s->p[i];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  s->p += n;
  *out = v;
  return true;
}

/* One of names (case-insensitive, exact length); returns its index or -1. */
static int name_in(struct scan *s, const char *const *names, int count) {
  for (int i = 0; i < count; i++) {
    size_t n = strlen(names[i]);
    if ((size_t)(s->end - s->p) >= n && strncasecmp(s->p, names[i], n) == 0) {
      const char *after = s->p + n;
      if (after < s->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z')))
        continue; /* a longer word */
      s->p = after;
      return i;
    }
  }
  return -1;
}

static bool time_of_day(struct scan *s, int *h, int *mi, int *se) {
  return digits(s, 2, h) && lit(s, ":") && digits(s, 2, mi) && lit(s, ":") && digits(s, 2, se) &&
         *h <= 23 && *mi <= 59 && *se <= 60;
}

static int current_year(void) {
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm) == NULL)
    return 2000;
  return tm.tm_year + 1900;
}

/* Parses an HTTP-date: IMF-fixdate, and leniently the obsolete RFC 850
 * ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms.
 * Returns false on anything else (out untouched). Text after a ';' is ignored (old browsers
 * sent "; length=N"). A two-digit year more than 50 years ahead means the previous century. */
static bool conditional_parse_http_date(const char *str, time_t *out) {
  if (str == NULL)
    return false;
  const char *b = skip_ows(str);
  const char *e = strchr(b, ';');
  if (e == NULL)
    e = b + strlen(b);
  while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  struct scan s = {b, e};
  int year, mon, day, h, mi, se;
  if (name_in(&s, LONG_DAYS, 7) < 0 && name_in(&s, DAYS, 7) < 0)
    return false;
  if (lit(&s, ", ")) {
    if (!digits(&s, 2, &day))
      return false;
    if (lit(&s, " ")) { /* IMF-fixdate */
      if ((mon = name_in(&s, MONTHS, 12)) < 0 || !lit(&s, " ") || !digits(&s, 4, &year))
        return false;
    } else if (lit(&s, "-")) { /* RFC 850 */
      if ((mon = name_in(&s, MONTHS, 12)) < 0 || !lit(&s, "-"))
        return false;
      if (!digits(&s, 4, &year)) {
        if (!digits(&s, 2, &year))
          return false;
        int now = current_year();
        year += now / 100 * 100;
        if (year > now + 50)
          year -= 100;
      }
    } else {
      return false;
    }
    if (!lit(&s, " ") || !time_of_day(&s, &h, &mi, &se) || !lit(&s, " GMT"))
      return false;
  } else if (lit(&s, " ")) { /* asctime */
    if ((mon = name_in(&s, MONTHS, 12)) < 0 || !lit(&s, " "))
      return false;
    if (lit(&s, " ")) {
      if (!digits(&s, 1, &day))
        return false;
    } else if (!digits(&s, 2, &day)) {
      return false;
    }
    if (!lit(&s, " ") || !time_of_day(&s, &h, &mi, &se) || !lit(&s, " ") || !digits(&s, 4, &year))
      return false;
  } else {
    return false;
  }
  if (s.p != s.end || day < 1 || (unsigned)day > days_in_month(year, (unsigned)mon + 1))
    return false;
  int64_t days = days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
  *out = (time_t)(days * 86400 + h * 3600 + mi * 60 + se);
  return true;
}

/* If-Modified-Since: true when last_modified is at or before the date in the field value.
 * False when the value is NULL or not a valid HTTP-date, when that date lies in the future
 * (an invalid date per RFC 2616 §14.25: it would pin a stale copy), or last_modified <= 0
 * (unknown). */
static bool conditional_not_modified_since(const char *if_modified_since, time_t last_modified) {
  time_t since;
  if (last_modified <= 0 || !conditional_parse_http_date(if_modified_since, &since))
    return false;
  if (since > time(NULL))
    return false;
  return last_modified <= since;
}

static char *put2(char *p, int v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
  return p + 2;
}

void conditional_http_date(time_t t, char out[CONDITIONAL_DATE_MAX]) {
  const time_t max = (time_t)253402300799; /* 9999-12-31T23:59:59Z */
  if (t < 0)
    t = 0;
  if (t > max)
    t = max;
  struct tm tm;
  gmtime_r(&t, &tm);
  char *p = out;
  memcpy(p, DAYS[tm.tm_wday], 3);
  p += 3;
  *p++ = ',';
  *p++ = ' ';
  p = put2(p, tm.tm_mday);
  *p++ = ' ';
  memcpy(p, MONTHS[tm.tm_mon], 3);
  p += 3;
  *p++ = ' ';
  int year = tm.tm_year + 1900;
  p = put2(p, year / 100);
  p = put2(p, year % 100);
  *p++ = ' ';
  p = put2(p, tm.tm_hour);
  *p++ = ':';
  p = put2(p, tm.tm_min);
  *p++ = ':';
  p = put2(p, tm.tm_sec);
  memcpy(p, " GMT", 5);
}

bool conditional_is_not_modified(const char *inm, const char *ims, const char *etag,
                                 time_t last_modified) {
  if (inm != NULL)
    return etag_is_star(inm) || conditional_etag_match(inm, etag);
  return conditional_not_modified_since(ims, last_modified);
}
