/* jsonfeed.c: the JSON Feed 1.1 writer, built with jansson. */
#include "iasc/feeds.h"

#include <stdlib.h>

#include "internal.h"

#define JSONFEED_VERSION "https://jsonfeed.org/version/1.1"

/* A new JSON string holding s cleaned by text_clean (so jansson, which insists on valid UTF-8,
 * accepts text from json_string_nocheck too). Returns NULL when out of memory; the caller owns
 * the reference. */
static json_t *jf_string(const char *s) {
  struct buf b = {0};
  text_clean(&b, s);
  json_t *v = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
  buf_free(&b);
  return v;
}

/* Sets obj[key] to the cleaned string s. Returns false when out of memory. */
static bool jf_set_string(json_t *obj, const char *key, const char *s) {
  return json_object_set_new(obj, key, jf_string(s)) == 0;
}

/* Sets obj[key] to the RFC 3339 date s (checked by feed_check) in UTC. Returns false when out of
 * memory. */
static bool jf_set_date(json_t *obj, const char *key, const char *s) {
  struct feed_date d;
  char text[FEED_DATE_MAX];
  if (!feed_date_parse(s, &d))
    return false; /* unreachable after feed_check */
  feed_date_rfc3339(&d, text);
  return json_object_set_new(obj, key, json_string(text)) == 0;
}

/* A new attachment object for a document, or NULL when out of memory (the caller owns it). */
static json_t *jf_attachment(const json_t *doc) {
  const char *type = feed_str(doc, "media_type");
  const char *title = feed_str(doc, "title");
  const json_t *size = json_object_get(doc, "size_bytes");
  json_t *a = json_object();
  if (a == NULL || !jf_set_string(a, "url", feed_str(doc, "url")) ||
      !jf_set_string(a, "mime_type",
                     type != NULL && *type != '\0' ? type : FEED_UNKNOWN_MEDIA_TYPE) ||
      (title != NULL && !jf_set_string(a, "title", title)) ||
      (json_is_integer(size) &&
       json_object_set_new(a, "size_in_bytes", json_integer(json_integer_value(size))) != 0)) {
    json_decref(a);
    return NULL;
  }
  return a;
}

/* A new item object for an entry, or NULL when out of memory (the caller owns it). Every item
 * carries content_html, or content_text (the summary, else the title) when there is no HTML. */
static json_t *jf_item(const json_t *e) {
  const char *published = feed_str(e, "published");
  const char *summary = feed_str(e, "summary");
  const char *content = feed_str(e, "content_html");
  const json_t *categories = feed_array(e, "categories");
  const json_t *documents = feed_array(e, "documents");
  json_t *item = json_object();
  json_t *list = NULL; /* tags or attachments under construction; owned until set on item */
  size_t i;
  const json_t *v;

  if (item == NULL || !jf_set_string(item, "id", feed_str(e, "id")) ||
      !jf_set_string(item, "url", feed_str(e, "link")) ||
      !jf_set_string(item, "title", feed_str(e, "title")) ||
      (summary != NULL && !jf_set_string(item, "summary", summary)))
    goto fail;
  if (content != NULL
          ? !jf_set_string(item, "content_html", content)
          : !jf_set_string(item, "content_text", summary != NULL ? summary : feed_str(e, "title")))
    goto fail;
  if ((published != NULL && !jf_set_date(item, "date_published", published)) ||
      !jf_set_date(item, "date_modified", feed_str(e, "updated")))
    goto fail;
  if (json_array_size(categories) > 0) {
    if ((list = json_array()) == NULL)
      goto fail;
    json_array_foreach(categories, i, v) {
      if (json_array_append_new(list, jf_string(json_string_value(v))) != 0)
        goto fail;
    }
    if (json_object_set_new(item, "tags", list) != 0) {
      list = NULL; /* set_new released it */
      goto fail;
    }
    list = NULL;
  }
  if (json_array_size(documents) > 0) {
    if ((list = json_array()) == NULL)
      goto fail;
    json_array_foreach(documents, i, v) {
      if (json_array_append_new(list, jf_attachment(v)) != 0)
        goto fail;
    }
    if (json_object_set_new(item, "attachments", list) != 0) {
      list = NULL;
      goto fail;
    }
    list = NULL;
  }
  return item;

fail:
  json_decref(list);
  json_decref(item);
  return NULL;
}

enum iasc_result feed_write_json(const json_t *feed, struct buf *out) {
  if (feed_check(feed) != IASC_OK)
    return IASC_INVALID;
  enum iasc_result rc = IASC_INTERNAL;
  const char *description = feed_str(feed, "description");
  json_t *doc = json_object();
  json_t *authors = json_pack("[{s:s}]", "name", FEED_AUTHOR_NAME);
  json_t *items = json_array();
  char *text = NULL;
  size_t i;
  const json_t *e;

  if (doc == NULL || authors == NULL || items == NULL ||
      json_object_set_new(doc, "version", json_string(JSONFEED_VERSION)) != 0 ||
      !jf_set_string(doc, "title", feed_str(feed, "title")) ||
      !jf_set_string(doc, "home_page_url", feed_str(feed, "home_url")) ||
      !jf_set_string(doc, "feed_url", feed_str(feed, "self_url")) ||
      (description != NULL && !jf_set_string(doc, "description", description)))
    goto out;
  const json_t *entries = feed_array(feed, "entries");
  json_array_foreach(entries, i, e) {
    if (json_array_append_new(items, jf_item(e)) != 0)
      goto out;
  }
  int failed = json_object_set(doc, "authors", authors) || json_object_set(doc, "items", items);
  if (failed || (text = json_dumps(doc, JSON_COMPACT)) == NULL)
    goto out;
  buf_puts(out, text);
  if (!out->failed)
    rc = IASC_OK;

out:
  free(text);
  json_decref(items);
  json_decref(authors);
  json_decref(doc);
  return rc;
}
