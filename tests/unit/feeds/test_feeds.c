/* test_feeds.c: Atom, RSS and JSON Feed writers (src/feeds/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iasc/feeds.h"

typedef enum iasc_result (*feed_writer)(const json_t *, struct buf *);
static const feed_writer WRITERS[] = {feed_write_atom, feed_write_rss, feed_write_json};
#define N_WRITERS (sizeof WRITERS / sizeof WRITERS[0])

/* Hostile text: markup, an ampersand, a CDATA terminator, both quotes, two control characters
 * XML forbids, an invalid UTF-8 byte (set with json_string_nocheck) and non-ASCII. */
#define HOSTILE                                                                                    \
  "<script>alert(\"x\")</script> & ]]> 'q'\x01\x0b\xff Caf\xc3\xa9 \xe2\x80\x93 \xc2\xa3"          \
  "65 \xe2\x9c\x93"
/* HOSTILE as XML text: escaped, controls dropped, \xff replaced by U+FFFD, non-ASCII kept. */
#define HOSTILE_XML                                                                                \
  "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt; &#39;q&#39;\xef\xbf\xbd "        \
  "Caf\xc3\xa9 \xe2\x80\x93 \xc2\xa3"                                                              \
  "65 \xe2\x9c\x93"
/* HOSTILE as a JSON Feed string once decoded. */
#define HOSTILE_CLEAN                                                                              \
  "<script>alert(\"x\")</script> & ]]> 'q'\xef\xbf\xbd Caf\xc3\xa9 \xe2\x80\x93 \xc2\xa3"          \
  "65 \xe2\x9c\x93"

/* A feed of three entries: a hostile one with everything, one with nothing optional, and one
 * with a document of unknown size and type. The caller owns it. */
static json_t *sample_feed(void) {
  json_t *feed = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s],"
      " s:[{s:s, s:s, s:i, s:s}]}, {s:s, s:s, s:s, s:n, s:s, s:n, s:n}, {s:s, s:s, s:s, s:s,"
      " s:s, s:[{s:s, s:n, s:n, s:n}]}]}",
      "id", "urn:iasc:feed:news", "title", "IASC news & updates", "self_url",
      "https://api.example/v1/feeds/news.atom?x=1&y=2", "home_url", "https://example/news",
      "updated", "2020-10-08T00:00:00+01:00", "description", "News from the Commissioner",
      "entries",
      /* entry 0 */
      "id", "urn:uuid:00000000-0000-4000-8000-000000000001", "title", "placeholder", "link",
      "https://example/news/1?a=1&b=2", "published", "2020-10-01T09:30:00Z", "updated",
      "2020-10-02T10:00:00.123Z", "summary", "placeholder", "content_html",
      "<p>Hi &amp; <a href=\"https://x/?a=1&amp;b=2\">bye</a> ]]></p>", "categories",
      "modern slavery", "<b>&\"", "documents", "url", "https://example/doc.pdf?a=1&b=2",
      "media_type", "application/pdf", "size_bytes", 12345, "title", "Annual report \"2020\"",
      /* entry 1 */
      "id", "urn:uuid:00000000-0000-4000-8000-000000000002", "title", "Plain entry", "link",
      "https://example/news/2", "published", "updated", "2021-01-01T00:30:00+01:00", "summary",
      "content_html",
      /* entry 2 */
      "id", "urn:uuid:00000000-0000-4000-8000-000000000003", "title", "With a bare document",
      "link", "https://example/news/3", "updated", "2020-12-31T23:30:00-05:00", "summary",
      "Only a summary", "documents", "url", "https://example/data.bin", "media_type", "size_bytes",
      "title");
  assert_non_null(feed);
  json_t *e0 = json_array_get(json_object_get(feed, "entries"), 0);
  json_object_set_new(e0, "title", json_string_nocheck(HOSTILE));
  json_object_set_new(e0, "summary", json_string_nocheck(HOSTILE));
  json_array_append_new(json_object_get(e0, "categories"), json_string_nocheck(HOSTILE));
  return feed;
}

/* The entry at index of feed, borrowed. */
static json_t *entry(json_t *feed, size_t index) {
  return json_array_get(json_object_get(feed, "entries"), index);
}

/* Writes feed with w into a new malloc'd string (free it), asserting success. */
static char *write_ok(feed_writer w, const json_t *feed) {
  struct buf b = {0};
  assert_int_equal(w(feed, &b), IASC_OK);
  assert_false(b.failed);
  return buf_steal(&b);
}

static size_t count(const char *haystack, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Checks what a unit test can of well-formedness: valid UTF-8, no raw control bytes but LF, no
 * CDATA, every & starts a reference, every < starts markup we write, and open tags balance. */
static void assert_xml_clean(const char *xml) {
  json_t *utf8 = json_string(xml); /* jansson rejects invalid UTF-8 */
  assert_non_null(utf8);
  json_decref(utf8);
  for (const unsigned char *p = (const unsigned char *)xml; *p; p++)
    assert_true(*p >= 0x20 || *p == '\n');
  assert_null(strstr(xml, "<![CDATA["));
  assert_null(strstr(xml, "<script"));
  assert_null(strstr(xml, "<p>"));
  for (const char *p = strchr(xml, '&'); p; p = strchr(p + 1, '&'))
    assert_true(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                strncmp(p, "&#", 2) == 0);
  for (const char *p = strchr(xml, '<'); p; p = strchr(p + 1, '<'))
    assert_true(p[1] == '/' || p[1] == '?' || (p[1] >= 'a' && p[1] <= 'z'));
}

static void atom_escapes_hostile_title(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_atom, feed);
  assert_non_null(strstr(xml, "<title type=\"text\">" HOSTILE_XML "</title>"));
  assert_non_null(strstr(xml, "<summary type=\"text\">" HOSTILE_XML "</summary>"));
  assert_non_null(strstr(xml, "<category term=\"" HOSTILE_XML "\"/>"));
  assert_non_null(strstr(xml, "<category term=\"&lt;b&gt;&amp;&quot;\"/>"));
  assert_non_null(strstr(xml, "<title type=\"text\">IASC news &amp; updates</title>"));
  assert_xml_clean(xml);
  free(xml);
  json_decref(feed);
}

static void atom_escapes_html_content_once(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_atom, feed);
  assert_non_null(strstr(xml, "<content type=\"html\">&lt;p&gt;Hi &amp;amp; &lt;a "
                              "href=&quot;https://x/?a=1&amp;amp;b=2&quot;&gt;bye&lt;/a&gt; "
                              "]]&gt;&lt;/p&gt;</content>"));
  assert_int_equal(count(xml, "<content "), 1); /* entries without HTML have no content */
  free(xml);
  json_decref(feed);
}

static void atom_writes_feed_and_entry_metadata(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_atom, feed);
  assert_non_null(strstr(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                              "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"));
  assert_non_null(strstr(xml, "  <id>urn:iasc:feed:news</id>\n"));
  assert_non_null(strstr(xml, "<subtitle type=\"text\">News from the Commissioner</subtitle>"));
  assert_non_null(strstr(xml, "  <updated>2020-10-07T23:00:00Z</updated>\n"));
  assert_non_null(strstr(xml, "<link rel=\"self\" href=\"https://api.example/v1/feeds/"
                              "news.atom?x=1&amp;y=2\" type=\"application/atom+xml\"/>"));
  assert_non_null(strstr(xml, "<link rel=\"alternate\" href=\"https://example/news\"/>"));
  assert_non_null(
      strstr(xml, "<author>\n    <name>Independent Anti-Slavery Commissioner</name>\n"));
  assert_int_equal(count(xml, "<entry>"), 3);
  assert_int_equal(count(xml, "</entry>"), 3);
  assert_non_null(strstr(xml, "<id>urn:uuid:00000000-0000-4000-8000-000000000001</id>"));
  assert_non_null(
      strstr(xml, "<link rel=\"alternate\" href=\"https://example/news/1?a=1&amp;b=2\"/>"));
  assert_non_null(strstr(xml, "<published>2020-10-01T09:30:00Z</published>"));
  assert_non_null(strstr(xml, "<updated>2020-10-02T10:00:00Z</updated>"));
  assert_non_null(strstr(xml, "<updated>2020-12-31T23:30:00Z</updated>"));
  assert_non_null(strstr(xml, "<updated>2021-01-01T04:30:00Z</updated>"));
  assert_int_equal(count(xml, "<published>"), 1); /* only when known */
  assert_int_equal(count(xml, "<updated>"), 4);
  free(xml);
  json_decref(feed);
}

static void atom_writes_documents_as_enclosure_links(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_atom, feed);
  assert_non_null(strstr(xml, "<link rel=\"enclosure\" href=\"https://example/doc.pdf?a=1&amp;b=2\""
                              " type=\"application/pdf\" length=\"12345\""
                              " title=\"Annual report &quot;2020&quot;\"/>"));
  /* unknown size and type: omitted, as Atom allows */
  assert_non_null(strstr(xml, "<link rel=\"enclosure\" href=\"https://example/data.bin\"/>"));
  free(xml);
  json_decref(feed);
}

static void rss_escapes_hostile_text(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<title>" HOSTILE_XML "</title>"));
  assert_non_null(strstr(xml, "<description>" HOSTILE_XML "</description>"));
  assert_non_null(strstr(xml, "<category>" HOSTILE_XML "</category>"));
  assert_non_null(strstr(xml, "<category>&lt;b&gt;&amp;&quot;</category>"));
  assert_non_null(strstr(xml, "<content:encoded>&lt;p&gt;Hi &amp;amp; &lt;a "
                              "href=&quot;https://x/?a=1&amp;amp;b=2&quot;&gt;bye&lt;/a&gt; "
                              "]]&gt;&lt;/p&gt;</content:encoded>"));
  assert_xml_clean(xml);
  free(xml);
  json_decref(feed);
}

static void rss_writes_channel_and_items(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\""
                              " xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"));
  assert_non_null(strstr(xml, "<title>IASC news &amp; updates</title>"));
  assert_non_null(strstr(xml, "<link>https://example/news</link>"));
  assert_non_null(strstr(xml, "<description>News from the Commissioner</description>"));
  assert_non_null(strstr(xml, "<atom:link rel=\"self\" type=\"application/rss+xml\""
                              " href=\"https://api.example/v1/feeds/news.atom?x=1&amp;y=2\"/>"));
  assert_int_equal(count(xml, "<item>"), 3);
  assert_non_null(strstr(xml, "<link>https://example/news/1?a=1&amp;b=2</link>"));
  assert_non_null(strstr(xml, "<guid isPermaLink=\"false\">urn:uuid:00000000-0000-4000-8000-"
                              "000000000001</guid>"));
  assert_int_equal(count(xml, "<guid isPermaLink=\"false\">"), 3);
  assert_int_equal(count(xml, "<content:encoded>"), 1);
  free(xml);
  json_decref(feed);
}

static void rss_converts_dates_to_rfc822(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_rss, feed);
  /* +01:00 across midnight; published wins over updated; -05:00 and +01:00 across a year end */
  assert_non_null(strstr(xml, "<lastBuildDate>Wed, 07 Oct 2020 23:00:00 GMT</lastBuildDate>"));
  assert_non_null(strstr(xml, "<pubDate>Thu, 01 Oct 2020 09:30:00 GMT</pubDate>"));
  assert_non_null(strstr(xml, "<pubDate>Thu, 31 Dec 2020 23:30:00 GMT</pubDate>"));
  assert_non_null(strstr(xml, "<pubDate>Fri, 01 Jan 2021 04:30:00 GMT</pubDate>"));
  free(xml);

  json_object_set_new(feed, "updated", json_string("2024-02-29t12:00:00z"));
  xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<lastBuildDate>Thu, 29 Feb 2024 12:00:00 GMT</lastBuildDate>"));
  free(xml);
  json_decref(feed);
}

static void rss_enclosure_defaults_unknown_length_and_type(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<enclosure url=\"https://example/doc.pdf?a=1&amp;b=2\""
                              " length=\"12345\" type=\"application/pdf\"/>"));
  assert_non_null(strstr(xml, "<enclosure url=\"https://example/data.bin\" length=\"0\""
                              " type=\"application/octet-stream\"/>"));
  free(xml);
  json_decref(feed);
}

static void rss_channel_description_falls_back_to_title(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  json_object_del(feed, "description");
  char *xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<description>IASC news &amp; updates</description>"));
  free(xml);
  json_decref(feed);
}

static void json_feed_has_required_fields(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *text = write_ok(feed_write_json, feed);
  json_error_t err;
  json_t *doc = json_loads(text, 0, &err);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "version")),
                      "https://jsonfeed.org/version/1.1");
  assert_string_equal(json_string_value(json_object_get(doc, "title")), "IASC news & updates");
  assert_string_equal(json_string_value(json_object_get(doc, "home_page_url")),
                      "https://example/news");
  assert_string_equal(json_string_value(json_object_get(doc, "feed_url")),
                      "https://api.example/v1/feeds/news.atom?x=1&y=2");
  assert_string_equal(json_string_value(json_object_get(doc, "description")),
                      "News from the Commissioner");
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(doc, "authors"), 0), "name")),
                      "Independent Anti-Slavery Commissioner");
  json_t *items = json_object_get(doc, "items");
  assert_int_equal(json_array_size(items), 3);
  size_t i;
  json_t *item;
  json_array_foreach(items, i, item) {
    assert_true(json_is_string(json_object_get(item, "id")));
    assert_true(json_is_string(json_object_get(item, "url")));
    assert_true(json_is_string(json_object_get(item, "content_html")) !=
                json_is_string(json_object_get(item, "content_text")));
    assert_true(json_is_string(json_object_get(item, "date_modified")));
  }
  json_decref(doc);
  free(text);
  json_decref(feed);
}

static void json_feed_writes_items(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  char *text = write_ok(feed_write_json, feed);
  json_t *doc = json_loads(text, 0, NULL);
  json_t *items = json_object_get(doc, "items");
  json_t *first = json_array_get(items, 0);
  assert_string_equal(json_string_value(json_object_get(first, "title")), HOSTILE_CLEAN);
  assert_string_equal(json_string_value(json_object_get(first, "summary")), HOSTILE_CLEAN);
  assert_string_equal(json_string_value(json_object_get(first, "url")),
                      "https://example/news/1?a=1&b=2");
  assert_string_equal(json_string_value(json_object_get(first, "content_html")),
                      "<p>Hi &amp; <a href=\"https://x/?a=1&amp;b=2\">bye</a> ]]></p>");
  assert_string_equal(json_string_value(json_object_get(first, "date_published")),
                      "2020-10-01T09:30:00Z");
  assert_string_equal(json_string_value(json_object_get(first, "date_modified")),
                      "2020-10-02T10:00:00Z");
  json_t *tags = json_object_get(first, "tags");
  assert_int_equal(json_array_size(tags), 3);
  assert_string_equal(json_string_value(json_array_get(tags, 2)), HOSTILE_CLEAN);
  json_t *att = json_array_get(json_object_get(first, "attachments"), 0);
  assert_string_equal(json_string_value(json_object_get(att, "mime_type")), "application/pdf");
  assert_int_equal(json_integer_value(json_object_get(att, "size_in_bytes")), 12345);
  assert_string_equal(json_string_value(json_object_get(att, "title")), "Annual report \"2020\"");

  /* no HTML: content_text is the summary, else the title; optional members absent */
  json_t *second = json_array_get(items, 1);
  assert_string_equal(json_string_value(json_object_get(second, "content_text")), "Plain entry");
  assert_null(json_object_get(second, "summary"));
  assert_null(json_object_get(second, "date_published"));
  assert_null(json_object_get(second, "tags"));
  assert_null(json_object_get(second, "attachments"));
  json_t *third = json_array_get(items, 2);
  assert_string_equal(json_string_value(json_object_get(third, "content_text")), "Only a summary");
  att = json_array_get(json_object_get(third, "attachments"), 0);
  assert_string_equal(json_string_value(json_object_get(att, "mime_type")),
                      "application/octet-stream");
  assert_null(json_object_get(att, "size_in_bytes"));
  assert_null(json_object_get(att, "title"));

  /* no raw control characters: jansson escapes them, and the forbidden ones are gone */
  assert_null(strstr(text, "\\u0001"));
  assert_null(strstr(text, "\\u000b"));
  json_decref(doc);
  free(text);
  json_decref(feed);
}

static void writers_reject_missing_required_member(void **state) {
  (void)state;
  static const char *const feed_keys[] = {"id",       "title",   "self_url",
                                          "home_url", "updated", "entries"};
  static const char *const entry_keys[] = {"id", "title", "link", "updated"};
  for (size_t w = 0; w < N_WRITERS; w++) {
    for (size_t k = 0; k < sizeof feed_keys / sizeof feed_keys[0]; k++) {
      json_t *feed = sample_feed();
      json_object_del(feed, feed_keys[k]);
      struct buf b = {0};
      assert_int_equal(WRITERS[w](feed, &b), IASC_INVALID);
      assert_int_equal(b.len, 0);
      buf_free(&b);
      json_decref(feed);
    }
    for (size_t k = 0; k < sizeof entry_keys / sizeof entry_keys[0]; k++) {
      json_t *feed = sample_feed();
      json_object_del(entry(feed, 2), entry_keys[k]);
      struct buf b = {0};
      assert_int_equal(WRITERS[w](feed, &b), IASC_INVALID);
      assert_int_equal(b.len, 0);
      buf_free(&b);
      json_decref(feed);
    }
    json_t *feed = sample_feed();
    json_object_del(json_array_get(json_object_get(entry(feed, 2), "documents"), 0), "url");
    struct buf b = {0};
    assert_int_equal(WRITERS[w](feed, &b), IASC_INVALID);
    buf_free(&b);
    json_decref(feed);
    assert_int_equal(WRITERS[w](NULL, &b), IASC_INVALID);
  }
}

static void writers_reject_wrong_types_and_bad_dates(void **state) {
  (void)state;
  struct {
    int entry; /* -1: the feed itself; 9: entry 0's first document */
    const char *key;
    json_t *value;
  } cases[] = {
      {-1, "title", json_integer(1)},
      {-1, "id", json_string("")},
      {-1, "entries", json_object()},
      {-1, "description", json_true()},
      {-1, "updated", json_string("2020-10-08")},
      {-1, "updated", json_string("2020-10-08T00:00:00")},
      {-1, "updated", json_string("2020-13-01T00:00:00Z")},
      {-1, "updated", json_string("2021-02-29T00:00:00Z")},
      {-1, "updated", json_string("2020-10-08T24:00:00Z")},
      {-1, "updated", json_string("2020-10-08T00:00:00+1:00")},
      {-1, "updated", json_string("2020-10-08T00:00:00Z trailing")},
      {-1, "updated", json_string("yesterday")},
      {0, "published", json_string("")},
      {0, "summary", json_integer(3)},
      {0, "content_html", json_array()},
      {0, "categories", json_string("modern slavery")},
      {0, "categories", json_pack("[s, i]", "ok", 1)},
      {0, "documents", json_pack("[s]", "https://example/x.pdf")},
      {0, "link", json_null()},
      {9, "size_bytes", json_integer(-1)},
      {9, "size_bytes", json_string("12")},
      {9, "media_type", json_integer(0)},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (size_t w = 0; w < N_WRITERS; w++) {
      json_t *feed = sample_feed();
      json_t *target = cases[c].entry < 0 ? feed
                       : cases[c].entry < 9
                           ? entry(feed, (size_t)cases[c].entry)
                           : json_array_get(json_object_get(entry(feed, 0), "documents"), 0);
      json_object_set(target, cases[c].key, cases[c].value);
      struct buf b = {0};
      buf_puts(&b, "kept");
      assert_int_equal(WRITERS[w](feed, &b), IASC_INVALID);
      assert_string_equal(b.data, "kept");
      buf_free(&b);
      json_decref(feed);
    }
    json_decref(cases[c].value);
  }
}

static void writers_accept_empty_entries(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  json_object_set_new(feed, "entries", json_array());
  char *atom = write_ok(feed_write_atom, feed);
  assert_null(strstr(atom, "<entry>"));
  assert_non_null(strstr(atom, "</author>\n</feed>\n"));
  char *rss = write_ok(feed_write_rss, feed);
  assert_null(strstr(rss, "<item>"));
  assert_non_null(strstr(rss, "</lastBuildDate>\n  </channel>\n</rss>\n"));
  char *json = write_ok(feed_write_json, feed);
  assert_non_null(strstr(json, "\"items\":[]"));
  free(atom);
  free(rss);
  free(json);
  json_decref(feed);
}

static void writers_append_after_existing_content(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  for (size_t w = 0; w < N_WRITERS; w++) {
    struct buf b = {0};
    buf_puts(&b, "prefix:");
    assert_int_equal(WRITERS[w](feed, &b), IASC_OK);
    assert_int_equal(strncmp(b.data, "prefix:", 7), 0);
    assert_true(b.len > 100);
    buf_free(&b);
  }
  json_decref(feed);
}

static void xml_keeps_tab_newline_and_carriage_return(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  json_object_set_new(entry(feed, 1), "title",
                      json_string("a\tb\nc\r\nd\x7f\xc2\x85"
                                  "e"));
  json_object_set_new(entry(feed, 1), "link", json_string("https://x/\t\n"));
  char *xml = write_ok(feed_write_atom, feed);
  assert_non_null(strstr(xml, "<title type=\"text\">a\tb\nc&#13;\nde</title>"));
  assert_non_null(strstr(xml, "href=\"https://x/&#9;&#10;\""));
  free(xml);
  json_decref(feed);
}

static void xml_replaces_each_invalid_utf8_byte(void **state) {
  (void)state;
  json_t *feed = sample_feed();
  /* overlong '/', an encoded surrogate, a truncated sequence, a stray continuation byte, and a
   * code point above U+10FFFF; then U+FFFE, which is valid UTF-8 but not an XML character */
  json_object_set_new(entry(feed, 1), "title",
                      json_string_nocheck("a\xc0\xaf"
                                          "b\xed\xa0\x80"
                                          "c\xe2\x9c"
                                          "d\x80"
                                          "e\xf4\x90\x80\x80"
                                          "f\xef\xbf\xbe"
                                          "g"));
  char *xml = write_ok(feed_write_rss, feed);
  assert_non_null(strstr(xml, "<title>a\xef\xbf\xbd\xef\xbf\xbd"
                              "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                              "c\xef\xbf\xbd\xef\xbf\xbd"
                              "d\xef\xbf\xbd"
                              "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                              "fg</title>"));
  assert_xml_clean(xml);
  free(xml);
  json_decref(feed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(atom_escapes_hostile_title),
      cmocka_unit_test(atom_escapes_html_content_once),
      cmocka_unit_test(atom_writes_feed_and_entry_metadata),
      cmocka_unit_test(atom_writes_documents_as_enclosure_links),
      cmocka_unit_test(rss_escapes_hostile_text),
      cmocka_unit_test(rss_writes_channel_and_items),
      cmocka_unit_test(rss_converts_dates_to_rfc822),
      cmocka_unit_test(rss_enclosure_defaults_unknown_length_and_type),
      cmocka_unit_test(rss_channel_description_falls_back_to_title),
      cmocka_unit_test(json_feed_has_required_fields),
      cmocka_unit_test(json_feed_writes_items),
      cmocka_unit_test(writers_reject_missing_required_member),
      cmocka_unit_test(writers_reject_wrong_types_and_bad_dates),
      cmocka_unit_test(writers_accept_empty_entries),
      cmocka_unit_test(writers_append_after_existing_content),
      cmocka_unit_test(xml_keeps_tab_newline_and_carriage_return),
      cmocka_unit_test(xml_replaces_each_invalid_utf8_byte),
  };
  return cmocka_run_group_tests_name("feeds", tests, NULL, NULL);
}
