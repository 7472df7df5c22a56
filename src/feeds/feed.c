/* feed.c: the feed description every writer reads: its validation, member access and dates. */
#include "internal.h"

#include <stdio.h>

const char *feed_str(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

const json_t *feed_array(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return json_is_array(v) ? v : NULL;
}

/* True when obj's member key is absent, null, or of type t. */
static bool optional_is(const json_t *obj, const char *key, json_type t) {
  const json_t *v = json_object_get(obj, key);
  return v == NULL || json_is_null(v) || json_typeof(v) == t;
}

/* True when obj's member key is a string, and non-empty when non_empty is set. */
static bool required_string(const json_t *obj, const char *key, bool non_empty) {
  const char *s = feed_str(obj, key);
  return s != NULL && (!non_empty || *s != '\0');
}

/* True when obj's member key is a well-formed date, or absent or null when optional is set. */
static bool date_member(const json_t *obj, const char *key, bool optional) {
  const json_t *v = json_object_get(obj, key);
  struct feed_date d;
  if (v == NULL || json_is_null(v))
    return optional;
  return json_is_string(v) && feed_date_parse(json_string_value(v), &d);
}

static bool document_ok(const json_t *doc) {
  if (!json_is_object(doc) || !required_string(doc, "url", true) ||
      !optional_is(doc, "media_type", JSON_STRING) || !optional_is(doc, "title", JSON_STRING) ||
      !optional_is(doc, "size_bytes", JSON_INTEGER))
    return false;
  const json_t *size = json_object_get(doc, "size_bytes");
  return !json_is_integer(size) || json_integer_value(size) >= 0;
}

static bool entry_ok(const json_t *e) {
  if (!json_is_object(e) || !required_string(e, "id", true) ||
      !required_string(e, "title", false) || !required_string(e, "link", true) ||
      !date_member(e, "updated", false) || !date_member(e, "published", true) ||
      !optional_is(e, "summary", JSON_STRING) || !optional_is(e, "content_html", JSON_STRING) ||
      !optional_is(e, "categories", JSON_ARRAY) || !optional_is(e, "documents", JSON_ARRAY))
    return false;
  size_t i;
  const json_t *v;
  const json_t *categories = feed_array(e, "categories");
  json_array_foreach(categories, i, v) {
    if (!json_is_string(v))
      return false;
  }
  const json_t *documents = feed_array(e, "documents");
  json_array_foreach(documents, i, v) {
    if (!document_ok(v))
      return false;
  }
  return true;
}

enum iasc_result feed_check(const json_t *feed) {
  if (!json_is_object(feed) || !required_string(feed, "id", true) ||
      !required_string(feed, "title", false) || !required_string(feed, "self_url", true) ||
      !required_string(feed, "home_url", true) || !date_member(feed, "updated", false) ||
      !optional_is(feed, "description", JSON_STRING) || feed_array(feed, "entries") == NULL)
    return IASC_INVALID;
  size_t i;
  const json_t *e;
  const json_t *entries = feed_array(feed, "entries");
  json_array_foreach(entries, i, e) {
    if (!entry_ok(e))
      return IASC_INVALID;
  }
  return IASC_OK;
}

/* ---- dates ---- */

/* Reads exactly n decimal digits at s into *v. Stops at the first non-digit, so never reads past
 * a NUL. */
static bool read_digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

static bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool feed_date_parse(const char *s, struct feed_date *d) {
  int y, mo, da, h, mi, se;
  if (s == NULL || !read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &mo) ||
      s[7] != '-' || !read_digits(s + 8, 2, &da) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s + 11, 2, &h) ||
      s[13] != ':' || !read_digits(s + 14, 2, &mi) || s[16] != ':' || !read_digits(s + 17, 2, &se))
    return false;
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  int offset = 0; /* minutes east of UTC */
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om;
    if (!read_digits(p + 1, 2, &oh) || p[3] != ':' || !read_digits(p + 4, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (*p != '\0' || mo < 1 || mo > 12 || da < 1 || da > days_in_month(y, mo) || h > 23 || mi > 59 ||
      se > 60)
    return false;

  int64_t secs = days_from_civil(y, mo, da) * 86400 + h * 3600 + mi * 60 + se - offset * 60;
  int64_t days = secs / 86400 - (secs % 86400 < 0);
  int64_t rem = secs - days * 86400;
  int64_t year;
  civil_from_days(days, &year, &d->month, &d->day);
  if (year < 0 || year > 9999) /* only reachable by an offset across year 0 or 9999 */
    return false;
  d->year = (int)year;
  d->hour = (int)(rem / 3600);
  d->minute = (int)(rem / 60 % 60);
  d->second = (int)(rem % 60);
  d->weekday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
  return true;
}

void feed_date_rfc3339(const struct feed_date *d, char out[FEED_DATE_MAX]) {
  snprintf(out, FEED_DATE_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", d->year, d->month, d->day, d->hour,
           d->minute, d->second);
}

void feed_date_rfc822(const struct feed_date *d, char out[FEED_DATE_MAX]) {
  static const char *const weekdays[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  snprintf(out, FEED_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[d->weekday], d->day,
           months[d->month - 1], d->year, d->hour, d->minute, d->second);
}
