"""List behaviour common to every collection: body shape, keyset pagination, Link."""

import json
import re
import time
import urllib.parse

from apilib import check, eq, ok_list, parse_link_next, purge_items, shared_token, slugs, walk
import expected

COLLECTIONS = {
    "/v1/news": set(expected.NEWS),
    "/v1/publications": set(expected.PUBLICATIONS),
    "/v1/resources": set(expected.RESOURCES),
    "/v1/helplines": {s for s, v in expected.HELPLINES.items() if v[3] is None},
    "/v1/support-rates?history=true": set(expected.SUPPORT_RATES),
}
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_every_list_paginates_without_overlap_or_gap(api):
    for path, want in COLLECTIONS.items():
        sep = "&" if "?" in path else "?"
        pages = walk(api, path + sep + "limit=4", path)
        seen = [s for p in pages for s in slugs(p["data"])]
        eq(len(seen), len(set(seen)), path + " pages overlap")
        eq(set(seen), want, path + " union of pages of 4")
        check(all(len(p["data"]) == 4 for p in pages[:-1]), "%s: short page before the end", path)
        check(1 <= len(pages[-1]["data"]) <= 4, "%s: last page has %d items", path, len(pages[-1]["data"]))
        one = slugs(ok_list(api.get(path + sep + "limit=100"), path)["data"])
        eq(seen, one, path + " paged order vs limit=100 order")


def test_every_list_has_link_next_matching_next_cursor(api):
    for path in COLLECTIONS:
        sep = "&" if "?" in path else "?"
        r = api.get(path + sep + "limit=2")
        js = ok_list(r, path)
        nxt = parse_link_next(r.headers.get("link"))
        check(nxt and nxt.startswith(api.base + "/"), "%s: Link rel=next %r not absolute (%r)", path, nxt,
              r.headers.get("link"))
        u = urllib.parse.urlsplit(nxt)
        eq(urllib.parse.parse_qs(u.query).get("cursor"), [js["next_cursor"]], path + " Link cursor")
        ok_list(api.get(u.path + "?" + u.query), path + " Link next")


def test_item_timestamps_are_rfc3339_utc_microseconds(api):
    for path in COLLECTIONS:
        sep = "&" if "?" in path else "?"
        for x in ok_list(api.get(path + sep + "limit=3"), path)["data"]:
            for f in ("created_at", "updated_at"):
                check(TS.match(x.get(f) or ""), "%s %s %s=%r (want YYYY-MM-DDTHH:MM:SS.ffffffZ)", path,
                      x.get("slug"), f, x.get(f))


def test_items_carry_own_absolute_url(api):
    for path in COLLECTIONS:
        sep = "&" if "?" in path else "?"
        base = path.split("?")[0]
        for x in ok_list(api.get(path + sep + "limit=100"), path)["data"]:
            eq(x.get("url"), api.base + base + "/" + x["slug"], "%s item url" % base)
            for f in ("id", "slug", "title", "created_at", "updated_at"):
                check(x.get(f) is not None, "%s %s: %s missing", base, x.get("slug"), f)


def test_last_page_has_null_cursor_and_no_link(api):
    r = api.get("/v1/news?limit=100")
    js = ok_list(r, "limit=100")
    eq(js["next_cursor"], None, "next_cursor when everything fits")
    eq(parse_link_next(r.headers.get("link")), None, "Link rel=next when everything fits")
    r = api.get("/v1/news?limit=29")
    js = ok_list(r, "limit=29")
    eq(len(js["data"]), 29, "limit=29 items")
    if js["next_cursor"] is not None:  # an exact fit may have a cursor to an empty page, which must end
        js2 = ok_list(api.get("/v1/news?limit=29&cursor=" + urllib.parse.quote(js["next_cursor"], safe="")), "p2")
        eq((js2["data"], js2["next_cursor"]), ([], None), "page after an exact fit")


def test_cursor_stable_while_items_are_added(api):
    """Keyset pagination: a row added ahead of the cursor does not shift later pages."""
    js = ok_list(api.get("/v1/news?limit=5"), "page 1")
    cur = js["next_cursor"]
    page2 = slugs(ok_list(api.get("/v1/news?limit=5&cursor=" + urllib.parse.quote(cur, safe="")), "page 2")["data"])
    api.psql("INSERT INTO news (slug, title, summary, published_at) VALUES "
             "('zz-test-inserted-ahead', 'Inserted by the API tests', 'x', now())")
    try:
        again = slugs(ok_list(api.get("/v1/news?limit=5&cursor=" + urllib.parse.quote(cur, safe="")), "page 2 again")["data"])
        eq(again, page2, "page 2 after an item was added ahead of the cursor")
        # Written behind the API's back: its cache hears of it through NOTIFY, within 1 s.
        deadline = time.time() + 1.0
        while True:
            first = slugs(ok_list(api.get("/v1/news?limit=5"), "page 1 again")["data"])
            if first[0] == "zz-test-inserted-ahead" or time.time() > deadline:
                break
            time.sleep(0.05)
        eq(first[0], "zz-test-inserted-ahead", "new item first")
    finally:
        api.psql("DELETE FROM news WHERE slug = 'zz-test-inserted-ahead'")


# What a list serves of each item is stored per item (item_reads.head, migration 0012) rather
# than made for every page: it must stay exactly what the representation functions make now.
_REPRESENTATION = {
    "news": "SELECT t.id, iasc_news_json(t, %s, false) FROM news t",
    "publications": "SELECT t.id, iasc_publication_json(t, %s) FROM publications t",
    "resources": "SELECT t.id, iasc_resource_json(t, %s) FROM resources t",
}


def _representations(api, kind):
    base = "'" + api.base.replace("'", "''") + "'"
    out = {}
    for line in api.psql(_REPRESENTATION[kind] % base).splitlines():
        item_id, _, js = line.partition("|")
        out[item_id] = json.loads(js)
    return out


def _served_as_made(api, what):
    for kind in ("news", "publications", "resources"):
        want = _representations(api, kind)
        for path in ("/v1/%s?limit=100" % kind, "/v1/%s?limit=100&q=slavery" % kind,
                     "/v1/%s?limit=100&updated_since=2000-01-01T00:00:00Z" % kind):
            for page in walk(api, path, path):
                for item in page["data"]:
                    eq(item, want.get(item["id"]), "%s: %s serves %s as its function makes it"
                       % (what, path, item.get("slug")))


def test_lists_serve_each_item_as_its_representation_function_makes_it(api):
    _served_as_made(api, "starter data")
    token = shared_token(api, ["admin"])
    doc = {"url": "https://example.org/a.pdf", "media_type": "application/pdf", "title": "A"}
    r = api.send("POST", "/v1/publications", token,
                 {"title": "Stored representation test", "slug": "stored-repr-test", "type": "report",
                  "summary": "About slavery.", "tags": ["one"], "documents": [doc]})
    check(r.status == 201, "create: %s", r.describe())
    try:
        _served_as_made(api, "created with a document")
        r = api.send("PATCH", "/v1/publications/stored-repr-test", token,
                     {"documents": [doc, dict(doc, url="https://example.org/b.pdf", title="B")],
                      "tags": ["two"]}, content_type="application/merge-patch+json")
        check(r.status == 200, "patch: %s", r.describe())
        _served_as_made(api, "its documents and tags changed")
        served = [x for x in ok_list(api.get("/v1/publications?tag=two"), "tag=two")["data"]]
        eq([len(x["documents"]) for x in served], [2], "the new documents, in the list")
        api.psql("DELETE FROM publication_documents WHERE publication_id ="
                 " (SELECT id FROM publications WHERE slug = 'stored-repr-test')")
        _served_as_made(api, "its documents deleted in SQL")
    finally:
        purge_items(api, "stored-repr")
