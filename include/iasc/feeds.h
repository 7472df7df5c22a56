/* feeds.h: Atom 1.0 (RFC 4287), RSS 2.0 and JSON Feed 1.1 writers over one feed description. */
#ifndef IASC_FEEDS_H
#define IASC_FEEDS_H

#include <jansson.h>

#include "iasc/buf.h"
#include "iasc/result.h"

/* The feed description shared by the three writers (a jansson object):
 *
 *   {"id": "urn:...", "title": "...", "self_url": "https://.../v1/feeds/news.atom",
 *    "home_url": "https://...", "updated": "RFC 3339", "description": "..." | null,
 *    "entries": [{"id": "urn:uuid:...", "title": "...", "link": "https://...",
 *                 "published": "RFC 3339" | null, "updated": "RFC 3339",
 *                 "summary": "text" | null, "content_html": "html" | null,
 *                 "categories": ["tag", ...] | null,
 *                 "documents": [{"url": "...", "media_type": "..." | null,
 *                                "size_bytes": 123 | null, "title": "..." | null}] | null}]}
 *
 * Required: the feed's id, title, self_url, home_url, updated and entries; each entry's id, title,
 * link and updated; each document's url. Ids and URLs must be non-empty strings. Members shown
 * with "| null" may be absent or null. Other members are ignored. Dates are RFC 3339
 * ("2020-10-08T00:00:00+01:00", "...Z", fractional seconds allowed); every writer emits them
 * converted to UTC.
 *
 * Text is made safe for every format: bytes that are not valid UTF-8 become U+FFFD, and
 * characters XML 1.0 forbids or discourages (C0 controls other than tab, LF and CR; C1 controls;
 * U+FFFE, U+FFFF) are dropped, so the same text reaches readers of all three formats and the XML
 * output is always well-formed. HTML content is carried escaped, never as CDATA or xhtml.
 *
 * Each writer appends one complete document (UTF-8) to out and returns IASC_OK; IASC_INVALID
 * when a required member is missing or a member has the wrong type or a date is malformed;
 * IASC_INTERNAL when out of memory. On failure out is restored to its length before the call
 * (or marked failed by buf, when memory ran out). The feed is only read; out stays the caller's. */

/* Atom 1.0: one <entry> per entry; documents become <link rel="enclosure">, with length and type
 * only when known. The feed's author is the Independent Anti-Slavery Commissioner. */
enum iasc_result feed_write_atom(const json_t *feed, struct buf *out);

/* RSS 2.0 with the atom (self link) and content (content:encoded) namespaces. pubDate is the
 * entry's published date, or its updated date when unpublished. RSS requires an enclosure's
 * length and type: an unknown size is written as length="0" and an unknown media type as
 * "application/octet-stream", the common convention. Every document becomes an <enclosure>
 * (readers that expect at most one take the first). */
enum iasc_result feed_write_rss(const json_t *feed, struct buf *out);

/* JSON Feed 1.1. Each item carries content_html, or content_text (the summary, else the title)
 * when there is no HTML; attachments without a media type get "application/octet-stream". */
enum iasc_result feed_write_json(const json_t *feed, struct buf *out);

#endif
