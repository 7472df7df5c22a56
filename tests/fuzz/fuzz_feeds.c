/* fuzz_feeds.c: the Atom, RSS and JSON Feed writers over a feed shaped like content_feed's
 * (src/domain/content.c), with one entry whose text comes from the input, and the text cleaning
 * and escaping under them (src/feeds/xml.c) and their RFC 3339 dates (src/feeds/feed.c).
 * Input: pieces separated by NUL: the entry's title, summary, content_html, link, published
 * date, then the feed's description, then categories. Absent pieces are absent members; the
 * text may be any bytes (invalid UTF-8 included: the writers must clean it). */
#include <jansson.h>

#include "iasc/buf.h"
#include "iasc/feeds.h"
#include "iasc/text.h"
#include "internal.h"

#include "fuzz.h"

enum { P_TITLE, P_SUMMARY, P_CONTENT, P_LINK, P_PUBLISHED, P_DESCRIPTION, P_CATEGORIES };

/* A code point the cleaned text may hold (the contract in iasc/feeds.h). */
static bool allowed(int32_t cp) {
  if (cp < 0x20)
    return cp == '\t' || cp == '\n' || cp == '\r';
  if (cp >= 0x7F && cp <= 0x9F)
    return false;
  return (cp & 0xFFFE) != 0xFFFE;
}

/* s[0..n) is valid UTF-8 with only allowed characters; in_attr: and no raw '"', '\'', '<', '>',
 * tab, LF or CR either (escaped text in an attribute value). */
static void check_clean(const char *s, size_t n, bool escaped, bool in_attr) {
  static const char *const ENTITIES[] = {"&amp;", "&lt;",  "&gt;",  "&quot;",
                                         "&#39;", "&#13;", "&#10;", "&#9;"};
  FUZZ_CHECK(text_valid_utf8(s, n));
  for (size_t i = 0; i < n;) {
    size_t len;
    int32_t cp = text_utf8_decode((const unsigned char *)s + i, n - i, &len);
    FUZZ_CHECK(cp >= 0 && allowed(cp));
    if (escaped && cp == '&') {
      bool known = false;
      for (size_t k = 0; k < sizeof ENTITIES / sizeof ENTITIES[0]; k++)
        known = known || strncmp(s + i, ENTITIES[k], strlen(ENTITIES[k])) == 0;
      FUZZ_CHECK(known);
    }
    if (in_attr)
      FUZZ_CHECK(cp >= 0x80 || strchr("\"'<>\t\n\r", (int)cp) == NULL);
    i += len;
  }
}

/* The XML writers' output: no byte < 0x20 but tab, LF and CR; valid UTF-8; every '&' an entity
 * the escaping writes. */
static void check_xml(const struct buf *out) {
  FUZZ_CHECK(out->data != NULL && !out->failed && strlen(out->data) == out->len);
  for (size_t i = 0; i < out->len; i++) {
    unsigned char c = (unsigned char)out->data[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      fprintf(stderr, "control byte 0x%02x at %zu in the XML output\n", c, i);
      abort();
    }
  }
  if (!text_valid_utf8(out->data, out->len)) {
    fprintf(stderr, "the XML output is not valid UTF-8\n");
    abort();
  }
  check_clean(out->data, out->len, true, false);
}

static size_t count_byte(const struct buf *b, char c) {
  size_t n = 0;
  for (size_t i = 0; i < b->len; i++)
    n += b->data[i] == c;
  return n;
}

/* A string member from a piece (any bytes), or nothing when the piece is absent. plain: "x"
 * instead of the text, for a reference document of the same shape. */
static void set_text(json_t *obj, const char *key, const char *s, bool plain) {
  if (s != NULL)
    FUZZ_CHECK(json_object_set_new(obj, key, json_string_nocheck(plain ? "x" : s)) == 0);
}

static json_t *make_feed(const struct fuzz_pieces *ps, bool plain) {
  const char *link = fuzz_piece(ps, P_LINK, "");
  const char *published = fuzz_piece(ps, P_PUBLISHED, NULL);
  json_t *entry = json_pack("{s:s, s:s}", "id", "urn:uuid:8c1f0e0a-4b8e-4c53-9a55-3c0d8f1e2a10",
                            "updated", "2024-03-01T09:30:00.25+01:00");
  json_t *feed =
      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "urn:iasc-api:feed:news", "title", "IASC news",
                "self_url", "https://api.example.org/v1/feeds/news.atom", "home_url",
                "https://www.antislaverycommissioner.co.uk/", "updated", "2024-03-02T10:00:00Z");
  FUZZ_CHECK(entry != NULL && feed != NULL);
  set_text(entry, "title", fuzz_piece(ps, P_TITLE, ""), plain);
  set_text(entry, "summary", fuzz_piece(ps, P_SUMMARY, NULL), plain);
  set_text(entry, "content_html", fuzz_piece(ps, P_CONTENT, NULL), plain);
  /* An empty link or published date would only make the feed invalid: a fixed one instead. */
  set_text(entry, "link", *link ? link : "https://example.org/news/a", plain);
  if (published != NULL && *published != '\0')
    FUZZ_CHECK(json_object_set_new(entry, "published", json_string_nocheck(published)) == 0);
  set_text(feed, "description", fuzz_piece(ps, P_DESCRIPTION, NULL), plain);
  json_t *categories = json_array();
  for (size_t i = P_CATEGORIES; i < ps->n; i++)
    FUZZ_CHECK(json_array_append_new(categories, json_string_nocheck(plain ? "x" : ps->p[i])) == 0);
  FUZZ_CHECK(json_object_set_new(entry, "categories", categories) == 0);
  json_t *doc = json_pack("{s:I}", "size_bytes", (json_int_t)ps->n * 1000);
  FUZZ_CHECK(doc != NULL);
  set_text(doc, "url", *link ? link : "https://example.org/files/a.pdf", plain);
  set_text(doc, "title", fuzz_piece(ps, P_TITLE, ""), plain);
  set_text(doc, "media_type", fuzz_piece(ps, P_SUMMARY, NULL), plain);
  FUZZ_CHECK(json_object_set_new(entry, "documents", json_pack("[o]", doc)) == 0);
  FUZZ_CHECK(json_object_set_new(feed, "entries", json_pack("[o]", entry)) == 0);
  return feed;
}

typedef enum iasc_result (*writer_fn)(const json_t *feed, struct buf *out);

/* Writes feed and its plain twin; both are valid or both not; the XML has the same tags. */
static void check_writer(writer_fn write, bool xml, const json_t *feed, const json_t *plain) {
  struct buf out = {0}, ref = {0};
  enum iasc_result r = write(feed, &out);
  enum iasc_result rr = write(plain, &ref);
  FUZZ_CHECK(r == IASC_OK || r == IASC_INVALID);
  FUZZ_CHECK(r == rr && (r == IASC_OK) == (feed_check(feed) == IASC_OK));
  if (r == IASC_OK && xml) {
    check_xml(&out);
    /* Text never adds markup: the escaped document has as many '<' and '>' as the one whose
     * text is all "x". */
    FUZZ_CHECK(count_byte(&out, '<') == count_byte(&ref, '<'));
    FUZZ_CHECK(count_byte(&out, '>') == count_byte(&ref, '>'));
  } else if (r == IASC_OK) {
    json_t *doc = json_loadb(out.data, out.len, 0, NULL);
    FUZZ_CHECK(doc != NULL);
    /* The entry's title, cleaned, is the item's. */
    const json_t *item = json_array_get(json_object_get(doc, "items"), 0);
    const json_t *entry = json_array_get(json_object_get(feed, "entries"), 0);
    const char *got = json_string_value(json_object_get(item, "title"));
    struct buf want = {0};
    text_clean(&want, json_string_value(json_object_get(entry, "title")));
    FUZZ_CHECK(got != NULL && strlen(got) == want.len &&
               memcmp(got, want.data ? want.data : "", want.len) == 0);
    buf_free(&want);
    json_decref(doc);
  } else {
    FUZZ_CHECK(out.len == 0);
  }
  buf_free(&out);
  buf_free(&ref);
}

/* The cleaning and escaping functions alone, on one piece. */
static void check_text(const char *s) {
  struct buf b = {0}, again = {0};
  xml_escape_attr(&b, s);
  FUZZ_CHECK(!b.failed);
  check_clean(b.data ? b.data : "", b.len, true, true);
  buf_free(&b);
  text_clean(&b, s);
  FUZZ_CHECK(!b.failed);
  check_clean(b.data ? b.data : "", b.len, false, false);
  text_clean(&again, b.data ? b.data : ""); /* cleaning clean text changes nothing */
  FUZZ_CHECK(again.len == b.len && (b.len == 0 || memcmp(again.data, b.data, b.len) == 0));
  buf_free(&again);
  buf_free(&b);

  struct feed_date d, d2;
  if (feed_date_parse(s, &d)) {
    char text[FEED_DATE_MAX];
    feed_date_rfc3339(&d, text);
    FUZZ_CHECK(strlen(text) == 20 && feed_date_parse(text, &d2));
    FUZZ_CHECK(d.year == d2.year && d.month == d2.month && d.day == d2.day && d.hour == d2.hour &&
               d.minute == d2.minute && d.second == d2.second && d.weekday == d2.weekday);
    feed_date_rfc822(&d, text);
    FUZZ_CHECK(strlen(text) == 29);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_pieces ps;
  fuzz_split(data, size, "", &ps);
  json_t *feed = make_feed(&ps, false);
  json_t *plain = make_feed(&ps, true);
  check_writer(feed_write_atom, true, feed, plain);
  check_writer(feed_write_rss, true, feed, plain);
  check_writer(feed_write_json, false, feed, plain);
  json_decref(plain);
  json_decref(feed);
  for (size_t i = 0; i < ps.n; i++)
    check_text(ps.p[i]);
  fuzz_pieces_free(&ps);
  return 0;
}
