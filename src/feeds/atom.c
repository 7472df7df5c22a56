/* atom.c: the Atom 1.0 (RFC 4287) feed writer. */
#include "iasc/feeds.h"

#include "internal.h"

/* Appends indent<name>date</name> with the RFC 3339 date s (checked by feed_check) in UTC. */
static void atom_date(struct buf *out, const char *indent, const char *name, const char *s) {
  struct feed_date d;
  char text[FEED_DATE_MAX];
  if (!feed_date_parse(s, &d))
    return; /* unreachable after feed_check */
  feed_date_rfc3339(&d, text);
  xml_element(out, indent, name, NULL, text);
}

/* Appends <link rel="rel" href="href"/> with an optional type. */
static void atom_link(struct buf *out, const char *indent, const char *rel, const char *href,
                      const char *type) {
  buf_printf(out, "%s<link rel=\"%s\" href=\"", indent, rel);
  xml_escape_attr(out, href);
  if (type != NULL) {
    buf_puts(out, "\" type=\"");
    xml_escape_attr(out, type);
  }
  buf_puts(out, "\"/>\n");
}

/* Appends a document as <link rel="enclosure">; type, length and title only when known. */
static void atom_enclosure(struct buf *out, const json_t *doc) {
  const char *type = feed_str(doc, "media_type");
  const char *title = feed_str(doc, "title");
  const json_t *size = json_object_get(doc, "size_bytes");
  buf_puts(out, "    <link rel=\"enclosure\" href=\"");
  xml_escape_attr(out, feed_str(doc, "url"));
  buf_puts(out, "\"");
  if (type != NULL && *type != '\0') {
    buf_puts(out, " type=\"");
    xml_escape_attr(out, type);
    buf_puts(out, "\"");
  }
  if (json_is_integer(size))
    buf_printf(out, " length=\"%" JSON_INTEGER_FORMAT "\"", json_integer_value(size));
  if (title != NULL) {
    buf_puts(out, " title=\"");
    xml_escape_attr(out, title);
    buf_puts(out, "\"");
  }
  buf_puts(out, "/>\n");
}

static void atom_entry(struct buf *out, const json_t *e) {
  const char *published = feed_str(e, "published");
  const char *summary = feed_str(e, "summary");
  const char *content = feed_str(e, "content_html");
  size_t i;
  const json_t *v;

  buf_puts(out, "  <entry>\n");
  xml_element(out, "    ", "id", NULL, feed_str(e, "id"));
  xml_element(out, "    ", "title", "type=\"text\"", feed_str(e, "title"));
  atom_link(out, "    ", "alternate", feed_str(e, "link"), NULL);
  if (published != NULL)
    atom_date(out, "    ", "published", published);
  atom_date(out, "    ", "updated", feed_str(e, "updated"));
  if (summary != NULL)
    xml_element(out, "    ", "summary", "type=\"text\"", summary);
  if (content != NULL)
    xml_element(out, "    ", "content", "type=\"html\"", content);
  const json_t *categories = feed_array(e, "categories");
  json_array_foreach(categories, i, v) {
    buf_puts(out, "    <category term=\"");
    xml_escape_attr(out, json_string_value(v));
    buf_puts(out, "\"/>\n");
  }
  const json_t *documents = feed_array(e, "documents");
  json_array_foreach(documents, i, v) {
    atom_enclosure(out, v);
  }
  buf_puts(out, "  </entry>\n");
}

enum iasc_result feed_write_atom(const json_t *feed, struct buf *out) {
  if (feed_check(feed) != IASC_OK)
    return IASC_INVALID;
  const char *description = feed_str(feed, "description");
  size_t i;
  const json_t *e;

  buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
  xml_element(out, "  ", "id", NULL, feed_str(feed, "id"));
  xml_element(out, "  ", "title", "type=\"text\"", feed_str(feed, "title"));
  if (description != NULL)
    xml_element(out, "  ", "subtitle", "type=\"text\"", description);
  atom_date(out, "  ", "updated", feed_str(feed, "updated"));
  atom_link(out, "  ", "self", feed_str(feed, "self_url"), "application/atom+xml");
  atom_link(out, "  ", "alternate", feed_str(feed, "home_url"), NULL);
  buf_puts(out, "  <author>\n");
  xml_element(out, "    ", "name", NULL, FEED_AUTHOR_NAME);
  buf_puts(out, "  </author>\n");
  const json_t *entries = feed_array(feed, "entries");
  json_array_foreach(entries, i, e) {
    atom_entry(out, e);
  }
  buf_puts(out, "</feed>\n");
  return out->failed ? IASC_INTERNAL : IASC_OK;
}
