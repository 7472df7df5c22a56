"""List behaviour common to every collection: body shape, keyset pagination, Link."""

import re
import time
import urllib.parse

from apilib import check, eq, ok_list, walk, slugs, parse_link_next
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
