"""Feeds: /v1/feeds/{news,publications,all}.{atom,rss,json}: Atom 1.0, RSS 2.0 and JSON Feed 1.1,
parsed with a real feed parser (Debian's python3-feedparser) and checked with xmllint; filters,
enclosures, escaping of hostile text, stable entry ids, and conditional GET."""

import email.utils
import json
import re
import time

from apilib import check, eq, ok_json, problem, all_items
import feedcheck as fc
from feedcheck import FEED_NAMES, FORMATS

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PDF_PUBLICATION = "statutory-defence-call-for-evidence-review"


def _live(api):
    """Published items by kind: {"news": {id: item}, "publications": {id: item}}."""
    return {
        "news": {x["id"]: x for x in all_items(api, "/v1/news?limit=100", "news list")},
        "publications": {x["id"]: x for x in all_items(api, "/v1/publications?limit=100", "publications list")},
    }


def _sources(live, name):
    if name == "all":
        return {**{k: ("news", v) for k, v in live["news"].items()},
                **{k: ("publications", v) for k, v in live["publications"].items()}}
    return {k: (name, v) for k, v in live[name].items()}


def _feed_order(api, name, tag=None, ptype=None):
    """The ids of a feed's entries, newest first, straight from the database (published items,
    newest published_at first, undated last, then id), at most 50."""
    parts = []
    cond = ("t.deleted_at IS NULL AND t.status = 'published'"
            " AND (t.published_at IS NULL OR t.published_at <= now())")
    if tag:
        cond += " AND t.tags @> ARRAY[%s]" % fc.sql_literal(tag)
    if name in ("news", "all") and ptype is None:
        parts.append("SELECT id, published_at FROM news t WHERE " + cond)
    if name in ("publications", "all"):
        c = cond + (" AND t.type = %s" % fc.sql_literal(ptype) if ptype else "")
        parts.append("SELECT id, published_at FROM publications t WHERE " + c)
    sql = ("SELECT id FROM (%s) x ORDER BY coalesce(published_at, '-infinity') DESC, id DESC LIMIT 50"
           % " UNION ALL ".join(parts))
    return ["urn:uuid:" + ln for ln in api.psql(sql).split()]


def _check_entries_match_items(api, what, ents, sources):
    """Every entry: a stable urn:uuid id naming a live item, the item's public link, its title,
    its tags as categories, and a date."""
    for e in ents:
        check(UUID_URN.match(e["id"] or ""), "%s: entry id %r is not urn:uuid:<item id>", what, e["id"])
        iid = e["id"][len("urn:uuid:"):]
        check(iid in sources, "%s: entry %s is not a published item of this feed", what, e["id"])
        kind, item = sources[iid]
        eq(e["link"], api.base + "/v1/%s/%s" % (kind, item["slug"]), "%s: link of %s" % (what, item["slug"]))
        eq(e["title"], item["title"], "%s: title of %s" % (what, item["slug"]))
        eq(list(e["categories"]), list(item.get("tags") or []), "%s: categories of %s" % (what, item["slug"]))
        check(e["published"] or e["updated"], "%s: %s has no date", what, item["slug"])


def _settled(api):
    """The public lists and the database, read when no item went live between the two reads
    (an item scheduled by an earlier test may go live at any moment)."""
    for _ in range(4):
        live = _live(api)
        orders = {name: _feed_order(api, name) for name in FEED_NAMES}
        if all(len(orders[n]) == min(50, len(_sources(live, n))) for n in FEED_NAMES):
            break
        time.sleep(1.2)
    return live, orders


def test_every_feed_variant_is_valid_and_lists_the_newest_items(api):
    live, orders = _settled(api)
    for name in FEED_NAMES:
        order = orders[name]
        sources = _sources(live, name)
        eq(len(order), min(50, len(sources)), "%s: database count vs published items" % name)
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt)
            r = fc.get_feed(api, path, fmt)
            if fmt == "json":
                doc = fc.json_feed_ok(r, path)
                eq(doc.get("feed_url"), api.base + path, path + " feed_url (self)")
            else:
                d = fc.parsed_ok(r, fmt, path)
                eq([e["id"] for e in d["entries"]], order, path + " entry ids in order (feedparser)")
                eq([e["link"] for e in d["entries"]],
                   [api.base + "/v1/%s/%s" % (sources[i[9:]][0], sources[i[9:]][1]["slug"]) for i in order],
                   path + " entry links (feedparser)")
                selfs = [l["href"] for l in d["links"] if l.get("rel") == "self"]
                eq(selfs, [api.base + path], path + " self link (feedparser)")
                if fmt == "atom":
                    eq(d["id"], "urn:iasc-api:feed:" + name, path + " feed id")
                    check(d["updated"], "%s: feed has no updated date", path)
            ents = fc.entries(api, r, fmt)
            check(len(ents) <= 50, "%s: %d entries (at most 50)", path, len(ents))
            eq([e["id"] for e in ents], order, path + " entry ids, newest first")
            _check_entries_match_items(api, path, ents, sources)
            eq(fc.self_link(api, r, fmt), api.base + path, path + " self link")


def test_feed_entries_are_newest_first_and_dated_from_the_item(api):
    live = _live(api)
    for name in FEED_NAMES:
        sources = _sources(live, name)
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt)
            r = fc.get_feed(api, path, fmt)
            if fmt == "rss":
                d = fc.parsed_ok(r, fmt, path)
                dates = [(e["published"], e["id"]) for e in d["entries"]]
                for (pub, eid) in dates:
                    item = sources[eid[9:]][1]
                    want = item.get("published_at") or item["updated_at"]
                    check(pub and abs(fc.parse_ts(pub) - fc.parse_ts(want)) < 1.0,
                          "%s: pubDate of %s is %r, want %r", path, item["slug"], pub, want)
                continue
            ents = fc.entries(api, r, fmt)
            seen_undated = False
            prev = None
            for e in ents:
                item = sources[e["id"][9:]][1]
                pa = item.get("published_at")
                if pa is None:
                    eq(e["published"], None, "%s: %s (undated) published" % (path, item["slug"]))
                    seen_undated = True
                else:
                    check(not seen_undated, "%s: dated %s after an undated entry", path, item["slug"])
                    check(e["published"] and abs(fc.parse_ts(e["published"]) - fc.parse_ts(pa)) < 1.0,
                          "%s: published of %s is %r, want %r", path, item["slug"], e["published"], pa)
                    t = fc.parse_ts(e["published"])
                    check(prev is None or t <= prev, "%s: %s is newer than the entry before it", path,
                          item["slug"])
                    prev = t
                check(e["updated"] and abs(fc.parse_ts(e["updated"]) - fc.parse_ts(item["updated_at"])) < 1.0,
                      "%s: updated of %s is %r, want %r", path, item["slug"], e["updated"], item["updated_at"])


def test_news_entries_carry_summary_and_rendered_html(api):
    items = {}
    for x in all_items(api, "/v1/news?limit=100", "news list"):
        items[x["id"]] = ok_json(api.get("/v1/news/" + x["slug"]), "GET news " + x["slug"])
    for fmt in FORMATS:
        path = fc.feed_url(api, "news", fmt)
        ents = fc.entries(api, fc.get_feed(api, path, fmt), fmt)
        check(ents, "%s: no entries", path)
        for e in ents:
            item = items[e["id"][9:]]
            eq(e["summary"], item["summary"], "%s: summary of %s" % (path, item["slug"]))
            check(item.get("body_html"), "news %s has no body_html", item["slug"])
            eq(e["content"], item["body_html"], "%s: content (rendered HTML) of %s" % (path, item["slug"]))
        if fmt != "json":
            d = fc.parsed_ok(fc.get_feed(api, path, fmt), fmt, path)
            check(all(e["content"] and e["summary"] for e in d["entries"]),
                  "%s: feedparser finds no summary/content on some entries", path)


def test_feeds_carry_only_the_newest_50_items(api):
    live = _live(api)
    total = len(live["news"]) + len(live["publications"])
    extra = max(0, 51 - total) + 2
    made = []
    try:
        now = time.time()
        for i in range(extra):
            made.append(fc.create(api, "news", {
                "title": "Feed cap test item %d" % i, "slug": "feed-cap-test-%d" % i,
                "summary": "Cap test.", "body_markdown": "Cap *test* %d." % i,
                "published_at": fc.utc_iso(now - 60 - i), "tags": ["feed-cap-test"]}))
        order = _feed_order(api, "all")
        eq(len(order), 50, "database: newest 50 of %d" % (total + extra))
        eq(order[:extra], ["urn:uuid:" + m["id"] for m in made], "the new items are the newest")
        for fmt in FORMATS:
            path = fc.feed_url(api, "all", fmt)
            ents = fc.valid_entries(api, path, fmt)
            eq(len(ents), 50, path + " entry count with %d items" % (total + extra))
            eq([e["id"] for e in ents], order, path + " the newest 50, newest first")
    finally:
        fc.hard_delete(api, "news", [m["id"] for m in made])


def test_tag_filter_restricts_feed_entries(api):
    want = {
        "news": {x["id"] for x in all_items(api, "/v1/news?tag=media&limit=100", "news tag=media")},
        "publications": {x["id"] for x in all_items(api, "/v1/publications?tag=media&limit=100", "pubs")},
    }
    want["all"] = want["news"] | want["publications"]
    check(want["news"], "starter data has no news tagged media")
    for name in FEED_NAMES:
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt, "tag=media")
            ents = fc.valid_entries(api, path, fmt)
            eq({e["id"][9:] for e in ents}, want[name], path + " entries")
            eq(len(ents), len(want[name]), path + " entry count")
            check(all("media" in e["categories"] for e in ents), "%s: an entry lacks the media category", path)
            eq([e["id"] for e in ents], _feed_order(api, name, tag="media"), path + " order")
        path = fc.feed_url(api, name, "atom", "tag=no-such-tag-anywhere")
        r = fc.get_feed(api, path, "atom")
        eq(fc.parsed_ok(r, "atom", path)["entries"], [], path + " entries")


def test_publications_feed_filters_by_type(api):
    want = {x["id"] for x in all_items(api, "/v1/publications?type=annual_report&limit=100", "annual reports")}
    check(len(want) >= 2, "starter data should have annual reports, got %d", len(want))
    for name in ("publications", "all"):
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt, "type=annual_report")
            ents = fc.valid_entries(api, path, fmt)
            eq({e["id"][9:] for e in ents}, want, path + " entries (annual reports only, no news)")
            check(all("/v1/publications/" in e["link"] for e in ents), "%s: a non-publication entry", path)
    for fmt in FORMATS:
        problem(api.get(fc.feed_url(api, "news", fmt, "type=annual_report")), 400,
                "news.%s?type= (news has no type)" % fmt, field="type")


def test_publication_documents_are_enclosures_and_attachments(api):
    pub = ok_json(api.get("/v1/publications/" + PDF_PUBLICATION), PDF_PUBLICATION)
    docs = pub.get("documents") or []
    pdfs = [d for d in docs if d.get("media_type") == "application/pdf"]
    check(pdfs, "%s should have a PDF document: %r", PDF_PUBLICATION, docs)
    eid = "urn:uuid:" + pub["id"]
    for name in ("publications", "all"):
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt)
            r = fc.get_feed(api, path, fmt)
            ent = [e for e in fc.entries(api, r, fmt) if e["id"] == eid]
            eq(len(ent), 1, path + " entries for " + PDF_PUBLICATION)
            enc = ent[0]["enclosures"]
            eq(len(enc), len(docs), path + " enclosures of " + PDF_PUBLICATION)
            for got, d in zip(enc, docs):
                if fmt == "json":
                    eq(got.get("url"), d["url"], path + " attachment url")
                    eq(got.get("mime_type"), d["media_type"], path + " attachment mime_type")
                    if d.get("title"):
                        eq(got.get("title"), d["title"], path + " attachment title")
                    if d.get("size_bytes") is not None:
                        eq(got.get("size_in_bytes"), d["size_bytes"], path + " attachment size")
                else:
                    eq(got.get("href" if fmt == "atom" else "url"), d["url"], path + " enclosure url")
                    eq(got.get("type"), d["media_type"], path + " enclosure type")
                    if fmt == "rss":
                        check(re.match(r"^\d+$", got.get("length") or ""), "%s: RSS enclosure needs a length: %r",
                              path, got)
            if fmt != "json":
                d = fc.parsed_ok(r, fmt, path)
                fe = [e for e in d["entries"] if e["id"] == eid][0]
                eq([x.get("href") for x in fe["enclosures"]], [x["url"] for x in docs],
                   path + " enclosures seen by feedparser")
                eq([x.get("type") for x in fe["enclosures"]], [x["media_type"] for x in docs],
                   path + " enclosure types seen by feedparser")
    # news items have no enclosures
    for e in fc.entries(api, fc.get_feed(api, "/v1/feeds/news.json", "json"), "json"):
        eq(e["enclosures"], [], "news.json attachments of " + e["id"])


def test_filtered_feed_self_link_is_the_filtered_feed_url(api):
    for name, query in (("news", "tag=media"), ("publications", "type=annual_report"), ("all", "tag=media")):
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt, query)
            r = fc.get_feed(api, path, fmt)
            eq(fc.self_link(api, r, fmt), api.base + path, path + " self link (the URL of this feed document)")


def test_unknown_feeds_are_404(api):
    for path in ("/v1/feeds/news.xml", "/v1/feeds/events.atom", "/v1/feeds/news", "/v1/feeds/.atom",
                 "/v1/feeds/news.atom.json", "/v1/feeds/newsx.rss"):
        problem(api.get(path), 404, path)


HOSTILE_TITLE = "<script>alert(1)</script> & ]]> Caf\u00e9 \u2013 \u00a365 \u2713 \"q\" 'a' \U0001D11E"
HOSTILE_CONTROLS = "\u0001\u0008\u000b\u000c\u001f\u007f\u0085\u009f\ufdd0\uffff\ufffe"


def test_hostile_text_stays_well_formed_and_round_trips(api):
    r = fc.send(api, "POST", "/v1/news", {"title": "bad \u0001 title", "published_at": fc.utc_iso(time.time() - 60)})
    problem(r, 422, "a title with a control character", field="title")
    item = fc.create(api, "news", {"title": HOSTILE_TITLE, "summary": "Summary ]]> & <b>bold</b>",
                                   "body_markdown": "Body *text* & <script>x</script> ]]>",
                                   "published_at": fc.utc_iso(time.time() - 30), "tags": ["media"]})
    try:
        eq(item["title"], HOSTILE_TITLE, "title as stored through the API")
        eid = "urn:uuid:" + item["id"]
        _check_hostile(api, eid, HOSTILE_TITLE, "Summary ]]> & <b>bold</b>", item["body_html"], ["media"], "API")
        # Control and non-characters cannot come through the API: put them in directly.
        title = "A\u0001" + HOSTILE_TITLE + HOSTILE_CONTROLS + " tab\tand\u2028line end"
        summary = "S ]]]]><![CDATA[>\u0002 & </summary></entry> \u00e9" + HOSTILE_CONTROLS
        body = "<p>x ]]> <![CDATA[ y \u0003\u001b & \u00a0 \u2603</p>" + HOSTILE_CONTROLS
        # (tags are slugs, checked by the database too, so they cannot carry hostile text)
        api.psql("UPDATE news SET title = %s, summary = %s, body_html = %s WHERE id = '%s'"
                 % (fc.sql_literal(title), fc.sql_literal(summary), fc.sql_literal(body), item["id"]))
        _check_hostile(api, eid, fc.strip_disallowed(title), fc.strip_disallowed(summary),
                       fc.strip_disallowed(body), ["media"], "psql")
    finally:
        fc.hard_delete(api, "news", [item["id"]])


def _check_hostile(api, eid, title, summary, content, tags, how):
    for name in ("news", "all"):
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt)
            what = "%s (hostile text via %s)" % (path, how)
            deadline = time.time() + 3.0
            while True:  # a direct database change reaches cached answers by NOTIFY, a moment later
                r = fc.get_feed(api, path, fmt)
                if [e for e in fc.entries(api, r, fmt) if e["id"] == eid and e["title"] == title] \
                        or time.time() > deadline:
                    break
                time.sleep(0.1)
            if fmt == "json":
                fc.json_feed_ok(r, what)
            else:
                d = fc.parsed_ok(r, fmt, what)
                fe = [e for e in d["entries"] if e["id"] == eid]
                eq(len(fe), 1, what + " entries with the hostile item (feedparser)")
                eq(fe[0]["title"], title, what + " title seen by feedparser")
                eq(fe[0]["tags"], tags, what + " categories seen by feedparser")
            ent = [e for e in fc.entries(api, r, fmt) if e["id"] == eid]
            eq(len(ent), 1, what + " entries with the hostile item")
            e = ent[0]
            eq(e["title"], title, what + " title")
            eq(e["summary"], summary, what + " summary")
            eq(e["content"], content, what + " content")
            eq(e["categories"], tags, what + " categories")


def test_entry_id_survives_title_and_slug_changes(api):
    item = fc.create(api, "news", {"title": "Stable id test", "slug": "feed-stable-id-test",
                                   "published_at": fc.utc_iso(time.time() - 10)})
    try:
        eid = "urn:uuid:" + item["id"]
        before = {}
        for fmt in FORMATS:
            ents = [e for e in fc.entries(api, fc.get_feed(api, "/v1/feeds/news." + fmt, fmt), fmt)
                    if e["title"] == "Stable id test"]
            eq(len(ents), 1, "news.%s entries titled 'Stable id test'" % fmt)
            eq(ents[0]["id"], eid, "news.%s entry id before the change" % fmt)
            before[fmt] = ents[0]
        r = fc.send(api, "PATCH", "/v1/news/feed-stable-id-test",
                    {"title": "Stable id test, renamed", "slug": "feed-stable-id-test-renamed"})
        fc.write_ok(r, 200, "PATCH title and slug")
        for fmt in FORMATS:
            path = "/v1/feeds/news." + fmt
            r = fc.get_feed(api, path, fmt)
            ents = [e for e in fc.entries(api, r, fmt) if e["id"] == eid]
            eq(len(ents), 1, path + " entries with the id from before the change")
            eq(ents[0]["title"], "Stable id test, renamed", path + " title after PATCH")
            eq(ents[0]["link"], api.base + "/v1/news/feed-stable-id-test-renamed", path + " link after PATCH")
            check(not [e for e in fc.entries(api, r, fmt) if e["title"] == "Stable id test"],
                  "%s: the old title is still listed", path)
            if fmt != "json":
                d = fc.parsed_ok(r, fmt, path)
                eq([e["title"] for e in d["entries"] if e["id"] == eid], ["Stable id test, renamed"],
                   path + " feedparser: entry by id after the change")
    finally:
        fc.hard_delete(api, "news", [item["id"]])


def _validators(r, what):
    etag = r.headers.get("etag")
    lm = r.headers.get("last-modified")
    check(etag, "%s: no ETag header (%s)", what, r.describe(80))
    check(lm, "%s: no Last-Modified header", what)
    check(email.utils.parsedate_to_datetime(lm) is not None, "%s: Last-Modified %r is not an HTTP date", what, lm)
    return etag, lm


def test_feeds_answer_conditional_gets_with_304(api):
    for name in FEED_NAMES:
        for fmt in FORMATS:
            path = fc.feed_url(api, name, fmt)
            for attempt in range(3):
                # (earlier tests change rows behind the server's back; the cache hears of it by
                # NOTIFY a moment later, so a changed ETag between two requests means new content)
                r = fc.get_feed(api, path, fmt)
                etag, lm = _validators(r, path)
                r2 = api.get(path, headers={"If-None-Match": etag})
                r3 = api.get(path, headers={"If-Modified-Since": lm})
                if r2.status == 304 and r3.status == 304:
                    break
                again = _validators(fc.get_feed(api, path, fmt), path)
                if again == (etag, lm):
                    break
            check(r2.status == 304, "%s If-None-Match: %s: expected 304, got %s", path, etag, r2.describe(120))
            eq(r2.body, b"", path + " 304 body")
            eq(r2.headers.get("etag"), etag, path + " ETag on the 304")
            check(r3.status == 304, "%s If-Modified-Since: %s: expected 304, got %s", path, lm, r3.describe(120))
            eq(r3.body, b"", path + " 304 (If-Modified-Since) body")
            r4 = api.get(path, headers={"If-None-Match": '"not-the-etag"'})
            check(r4.status == 200 and r4.body, "%s: a different ETag should get 200, got %s", path,
                  r4.describe(120))


def test_feed_etag_changes_after_a_news_write(api):
    old = {}
    for fmt in FORMATS:
        path = "/v1/feeds/news." + fmt
        old[fmt] = _validators(fc.get_feed(api, path, fmt), path)
    time.sleep(1.05)  # so Last-Modified (whole seconds) can move too
    item = fc.create(api, "news", {"title": "Conditional GET test", "published_at": fc.utc_iso(time.time() - 5)})
    try:
        for fmt in FORMATS:
            path = "/v1/feeds/news." + fmt
            deadline = time.time() + 2.0
            while True:  # allow a moment for a cache to hear of the write
                r = api.get(path, headers={"If-None-Match": old[fmt][0]})
                if r.status == 200 or time.time() > deadline:
                    break
                time.sleep(0.1)
            check(r.status == 200, "%s: the ETag from before a news write still gets %s", path, r.describe(120))
            check("Conditional GET test" in r.body.decode("utf-8"), "%s: the new item is missing after the write",
                  path)
            etag, lm = _validators(r, path)
            check(etag != old[fmt][0], "%s: ETag unchanged (%s) after a news write", path, etag)
            check(email.utils.parsedate_to_datetime(lm) > email.utils.parsedate_to_datetime(old[fmt][1]),
                  "%s: Last-Modified %r not after %r following a write", path, lm, old[fmt][1])
            r2 = api.get(path, headers={"If-Modified-Since": old[fmt][1]})
            check(r2.status == 200, "%s: If-Modified-Since the old date should get 200, got %s", path,
                  r2.describe(80))
            r3 = api.get(path, headers={"If-None-Match": etag})
            check(r3.status == 304, "%s: the new ETag should get 304, got %s", path, r3.describe(80))
    finally:
        fc.hard_delete(api, "news", [item["id"]])
