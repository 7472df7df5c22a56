/* fuzz_conditional.c: the conditional-request parsers: If-None-Match lists and entity-tags
 * (iasc/etag.h), If-Modified-Since HTTP-dates in their three forms, the 304 decision, the gzip
 * ETag and the HTTP-date writer (src/http/conditional.h).
 * Input: pieces separated by NUL or newline: If-None-Match, If-Modified-Since, the ETag of the
 * representation, and Last-Modified in seconds since the epoch (decimal). */
#include <time.h>

#include "conditional.h"
#include "iasc/etag.h"

#include "fuzz.h"

/* What etag_list_any hands its callback, checked and read byte by byte. */
struct walk {
  const char *value;
  size_t len;      /* strlen(value) */
  size_t members;  /* callbacks so far */
  size_t stop_at;  /* return true on this member (0: never) */
  unsigned digest; /* keeps the reads */
};

static bool touch(bool weak, const char *opaque, size_t olen, const void *ctx) {
  struct walk *w = (struct walk *)ctx;
  (void)weak;
  FUZZ_CHECK(opaque >= w->value && opaque + olen <= w->value + w->len);
  FUZZ_CHECK(olen >= 2 && opaque[0] == '"' && opaque[olen - 1] == '"');
  for (size_t i = 0; i < olen; i++)
    w->digest = w->digest * 31 + (unsigned char)opaque[i];
  return ++w->members == w->stop_at;
}

static void check_list(const char *value) {
  struct walk all = {value, strlen(value), 0, 0, 0};
  FUZZ_CHECK(!etag_list_any(value, touch, &all));
  if (all.members > 0) { /* stopping at the last member reports it */
    struct walk some = {value, strlen(value), 0, all.members, 0};
    FUZZ_CHECK(etag_list_any(value, touch, &some));
    FUZZ_CHECK(some.members == all.members && some.digest == all.digest);
  }
  (void)etag_is_star(value);
  bool weak;
  const char *opaque = NULL;
  size_t olen = 0;
  const char *after = etag_parse(value, &weak, &opaque, &olen);
  if (after != NULL) {
    FUZZ_CHECK(after > value && after <= value + strlen(value));
    FUZZ_CHECK(opaque >= value && opaque + olen == after && olen >= 2);
  }
}

/* etag is one complete entity-tag? */
static bool whole_etag(const char *etag, bool *weak) {
  const char *opaque;
  size_t olen;
  const char *after = etag_parse(etag, weak, &opaque, &olen);
  return after != NULL && *after == '\0';
}

static void check_etag(const char *etag) {
  char gz[CONDITIONAL_ETAG_MAX];
  bool weak, gz_weak;
  bool whole = whole_etag(etag, &weak);
  if (conditional_etag_gzip(etag, gz)) {
    FUZZ_CHECK(whole);
    size_t n = strlen(gz);
    FUZZ_CHECK(n < CONDITIONAL_ETAG_MAX && n == strlen(etag) + 3);
    FUZZ_CHECK(strcmp(gz + n - 4, "-gz\"") == 0);
    FUZZ_CHECK(whole_etag(gz, &gz_weak) && gz_weak == weak);
  } else {
    FUZZ_CHECK(gz[0] == '\0');
  }
  if (!whole)
    return;
  /* A list that names the tag matches it, strong or weak, wherever it stands. */
  size_t n = strlen(etag);
  char *list = malloc(n + 16);
  FUZZ_CHECK(list != NULL);
  FUZZ_CHECK(conditional_is_not_modified(etag, NULL, etag, 0));
  snprintf(list, n + 16, "\"x\" , %s,", weak ? etag + 2 : etag);
  FUZZ_CHECK(conditional_is_not_modified(list, "garbage", etag, 0));
  snprintf(list, n + 16, "W/%s", weak ? etag + 2 : etag);
  FUZZ_CHECK(conditional_is_not_modified(list, NULL, etag, 1));
  free(list);
}

/* conditional_http_date(t) parses back, in each of the three forms, to t itself. */
static void check_date(time_t t) {
  const time_t max = (time_t)253402300799; /* 9999-12-31T23:59:59Z, where the writer clamps */
  time_t now = time(NULL);
  char date[CONDITIONAL_DATE_MAX];
  conditional_http_date(t, date);
  FUZZ_CHECK(strlen(date) == 29);
  t = t < 0 ? 0 : t > max ? max : t;
  bool past = t > 0 && t <= now;
  FUZZ_CHECK(conditional_is_not_modified(NULL, date, NULL, t) == past);
  if (past && t > 1)
    FUZZ_CHECK(conditional_is_not_modified(NULL, date, NULL, t - 1));
  if (t < max)
    FUZZ_CHECK(!conditional_is_not_modified(NULL, date, NULL, t + 1));

  static const char *const days[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
  struct tm tm;
  FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
  char other[64];
  /* RFC 850 with a four-digit year, then asctime (day of the month padded with a space). */
  snprintf(other, sizeof other, "%s, %.2s-%.3s-%04d %.8s GMT", days[tm.tm_wday], date + 5, date + 8,
           tm.tm_year + 1900, date + 17);
  FUZZ_CHECK(conditional_is_not_modified(NULL, other, NULL, t) == past);
  snprintf(other, sizeof other, "%.3s %.3s %2d %.8s %04d", date, date + 8, tm.tm_mday, date + 17,
           tm.tm_year + 1900);
  FUZZ_CHECK(conditional_is_not_modified(NULL, other, NULL, t) == past);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_pieces ps;
  fuzz_split(data, size, "\n", &ps);
  const char *inm = fuzz_piece(&ps, 0, "");
  const char *ims = fuzz_piece(&ps, 1, NULL);
  const char *etag = fuzz_piece(&ps, 2, "\"0123456789abcdef\"");
  time_t lm = (time_t)strtoll(fuzz_piece(&ps, 3, "784111777"), NULL, 10);

  check_list(inm);
  if (ims != NULL)
    check_list(ims);
  check_etag(etag);
  check_etag(inm);

  /* The 304 decision: "*" always matches; when If-None-Match is present it alone decides. */
  bool with_inm = conditional_is_not_modified(inm, ims, etag, lm);
  FUZZ_CHECK(with_inm == conditional_is_not_modified(inm, NULL, etag, lm));
  FUZZ_CHECK(!etag_is_star(inm) || with_inm);
  FUZZ_CHECK(!conditional_is_not_modified(NULL, NULL, etag, lm));
  (void)conditional_is_not_modified(NULL, ims, etag, lm);
  (void)conditional_is_not_modified(NULL, inm, NULL, lm); /* every piece as a date too */
  (void)conditional_is_not_modified(NULL, etag, NULL, lm);

  /* A time from the input: the whole input's hash, or the decimal Last-Modified. */
  check_date(lm);
  check_date((time_t)(conditional_hash64(data, size) % 300000000000ULL) - 10000000000LL);

  /* The ETag of the input, as the server makes it, always has a gzip form. */
  char tag[CONDITIONAL_ETAG_MAX], gz[CONDITIONAL_ETAG_MAX];
  conditional_etag_for(data, size, tag);
  FUZZ_CHECK(strlen(tag) == 18 && conditional_etag_gzip(tag, gz));
  fuzz_pieces_free(&ps);
  return 0;
}
