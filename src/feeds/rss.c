/* rss.c: the RSS 2.0 feed writer (with the atom and content namespaces). */
#include "iasc/feeds.h"

#include "internal.h"

/* Appends indent<name>date</name> with the RFC 3339 date s (checked by feed_check) as an RFC 822
 * date in GMT. */
static void rss_date(struct buf *out, const char *indent, const char *name, const char *s) {
  struct feed_date d;
  char text[FEED_DATE_MAX];
  if (!feed_date_parse(s, &d))
    return; /* unreachable after feed_check */
  feed_date_rfc822(&d, text);
  xml_element(out, indent, name, NULL, text);
}

/* Appends a document as <enclosure>. RSS requires url, length and type: an unknown size is
 * written as 0 and an unknown type as FEED_UNKNOWN_MEDIA_TYPE, the common convention. RSS has no
 * place for the document's title. */
static void rss_enclosure(struct buf *out, const json_t *doc) {
  const char *type = feed_str(doc, "media_type");
  const json_t *size = json_object_get(doc, "size_bytes");
  buf_puts(out, "      <enclosure url=\"");
  xml_escape_attr(out, feed_str(doc, "url"));
  buf_printf(out, "\" length=\"%" JSON_INTEGER_FORMAT "\" type=\"",
             json_is_integer(size) ? json_integer_value(size) : 0);
  xml_escape_attr(out, type != NULL && *type != '\0' ? type : FEED_UNKNOWN_MEDIA_TYPE);
  buf_puts(out, "\"/>\n");
}

static void rss_item(struct buf *out, const json_t *e) {
  const char *published = feed_str(e, "published");
  const char *summary = feed_str(e, "summary");
  const char *content = feed_str(e, "content_html");
  size_t i;
  const json_t *v;

  buf_puts(out, "    <item>\n");
  xml_element(out, "      ", "title", NULL, feed_str(e, "title"));
  xml_element(out, "      ", "link", NULL, feed_str(e, "link"));
  xml_element(out, "      ", "guid", "isPermaLink=\"false\"", feed_str(e, "id"));
  rss_date(out, "      ", "pubDate", published != NULL ? published : feed_str(e, "updated"));
  if (summary != NULL)
    xml_element(out, "      ", "description", NULL, summary);
  if (content != NULL)
    xml_element(out, "      ", "content:encoded", NULL, content);
  const json_t *categories = feed_array(e, "categories");
  json_array_foreach(categories, i, v) {
    xml_element(out, "      ", "category", NULL, json_string_value(v));
  }
  const json_t *documents = feed_array(e, "documents");
  json_array_foreach(documents, i, v) {
    rss_enclosure(out, v);
  }
  buf_puts(out, "    </item>\n");
}

enum iasc_result feed_write_rss(const json_t *feed, struct buf *out) {
  if (feed_check(feed) != IASC_OK)
    return IASC_INVALID;
  const char *description = feed_str(feed, "description");
  size_t i;
  const json_t *e;

  buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\""
                " xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n"
                "  <channel>\n");
  xml_element(out, "    ", "title", NULL, feed_str(feed, "title"));
  xml_element(out, "    ", "link", NULL, feed_str(feed, "home_url"));
  /* RSS requires a channel description: the title stands in when there is none. */
  xml_element(out, "    ", "description", NULL,
              description != NULL ? description : feed_str(feed, "title"));
  buf_puts(out, "    <atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
  xml_escape_attr(out, feed_str(feed, "self_url"));
  buf_puts(out, "\"/>\n");
  rss_date(out, "    ", "lastBuildDate", feed_str(feed, "updated"));
  const json_t *entries = feed_array(feed, "entries");
  json_array_foreach(entries, i, e) {
    rss_item(out, e);
  }
  buf_puts(out, "  </channel>\n</rss>\n");
  return out->failed ? IASC_INTERNAL : IASC_OK;
}
