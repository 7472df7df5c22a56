"""updated_since / include_deleted: the mirror (sync) stream, and soft deletes."""

import time
import urllib.parse

from apilib import check, eq, ok_json, ok_list, problem, all_items, walk, slugs
import expected

ENDPOINTS = ["/v1/news", "/v1/publications", "/v1/helplines", "/v1/support-rates", "/v1/resources"]
EPOCH = "2000-01-01T00:00:00Z"


def test_updated_since_orders_by_updated_at_ascending(api):
    for ep in ENDPOINTS:
        pages = walk(api, ep + "?updated_since=" + EPOCH + "&limit=7", ep + " updated_since")
        items = [x for p in pages for x in p["data"]]
        ts = [x.get("updated_at") for x in items]
        check(all(isinstance(t, str) for t in ts), "%s: updated_at missing: %r", ep, ts)
        check(ts == sorted(ts), "%s: updated_since stream not ascending by updated_at: %r", ep, ts)
        ids = [x.get("id") for x in items]
        eq(len(ids), len(set(ids)), ep + " updated_since pages overlap")
    news = all_items(api, "/v1/news?updated_since=" + EPOCH + "&limit=100", "news")
    eq(set(slugs(news)), set(expected.NEWS), "news updated_since=2000 returns everything")
    rates = all_items(api, "/v1/support-rates?updated_since=" + EPOCH + "&limit=100", "rates")
    eq({r["id"] for r in rates}, set(expected.SUPPORT_RATES), "support-rates updated_since returns every period")
    hl = all_items(api, "/v1/helplines?updated_since=" + EPOCH + "&limit=100", "helplines")
    check("salvation-army-referral-helpline-pre-2021" in slugs(hl),
          "helplines updated_since (a mirror) should include the superseded number too")


def test_updated_since_is_inclusive(api):
    items = all_items(api, "/v1/news?updated_since=" + EPOCH + "&limit=100", "news stream")
    mid = items[len(items) // 2]
    t = mid["updated_at"]
    got = all_items(api, "/v1/news?updated_since=" + urllib.parse.quote(t, safe="") + "&limit=100", "from " + t)
    check(got and got[0]["updated_at"] >= t, "stream from %s starts at %r", t, got[:1])
    check(mid["id"] in [x["id"] for x in got], "updated_since=%s (inclusive) misses the item updated at exactly that time", t)
    eq([x["id"] for x in got], [x["id"] for x in items if x["updated_at"] >= t], "stream from %s" % t)


def test_updated_since_accepts_offsets(api):
    a = all_items(api, "/v1/news?updated_since=2000-01-01T01:00:00%2B01:00&limit=100", "+01:00 offset")
    eq(len(a), 29, "updated_since with +01:00 offset")
    eq(all_items(api, "/v1/news?updated_since=2999-01-01T00:00:00Z", "future"), [], "updated_since in the future")


def test_updated_since_rejects_bad_timestamps(api):
    for v in ("2020-01-01", "yesterday", "2020-01-01T00:00:00", "2020-13-01T00:00:00Z", "0"):
        problem(api.get("/v1/news?updated_since=" + urllib.parse.quote(v, safe="")), 400,
                "updated_since=" + v, field="updated_since")


def test_include_deleted_without_updated_since_is_400(api):
    for ep in ENDPOINTS:
        problem(api.get(ep + "?include_deleted=true"), 400, ep + "?include_deleted=true")
    problem(api.get("/v1/news?updated_since=" + EPOCH + "&include_deleted=yes"), 400, "include_deleted=yes",
            field="include_deleted")


def test_cursor_from_updated_since_stream_is_not_a_default_cursor(api):
    js = ok_list(api.get("/v1/news?updated_since=" + EPOCH + "&limit=5"), "stream page")
    cur = js["next_cursor"]
    check(cur, "stream page 1 should have a next_cursor")
    r = api.get("/v1/news?limit=5&cursor=" + urllib.parse.quote(cur, safe=""))
    problem(r, 400, "stream cursor used on the default ordering")


def test_soft_deleted_news_disappears_and_leaves_a_tombstone(api):
    slug = "retailers-responsibility-i-interview"
    before = ok_json(api.get("/v1/news/" + slug), "GET " + slug)
    api.psql("UPDATE news SET deleted_at = now() WHERE slug = '%s'" % slug)
    try:
        # A change made behind the API's back reaches its cache through NOTIFY: within 1 s.
        deadline = time.time() + 1.0
        while api.get("/v1/news/" + slug).status != 404 and time.time() < deadline:
            time.sleep(0.05)
        problem(api.get("/v1/news/" + slug), 404, "deleted news item")
        lst = slugs(all_items(api, "/v1/news?limit=100", "list"))
        check(slug not in lst, "deleted item still listed")
        eq(len(lst), 28, "news count after one deletion")
        stream = all_items(api, "/v1/news?updated_since=" + EPOCH + "&limit=100", "stream")
        check(slug not in slugs(stream), "deleted item in the stream without include_deleted")
        # a stream may hold a fresh change back for a moment (served within 5 s): poll briefly
        deadline = time.time() + 6
        while True:
            stream = all_items(api, "/v1/news?updated_since=" + EPOCH + "&include_deleted=true&limit=100",
                               "stream+deleted")
            tomb = [x for x in stream if x.get("slug") == slug]
            if tomb or time.time() > deadline:
                break
            time.sleep(0.25)
        eq(len(tomb), 1, "tombstones for %s" % slug)
        tomb = tomb[0]
        eq(set(tomb), {"id", "slug", "deleted", "updated_at"}, "tombstone keys")
        eq(tomb["deleted"], True, "tombstone deleted")
        eq(tomb["id"], before["id"], "tombstone id")
        check(tomb["updated_at"] > before["updated_at"], "tombstone updated_at %r not after %r",
              tomb["updated_at"], before["updated_at"])
        eq(stream[-1].get("slug"), slug, "the deletion is the latest change")
        eq(len(stream), 29, "stream with include_deleted length")
        live = [x for x in stream if x.get("slug") != slug]
        check(all("deleted" not in x or x["deleted"] is False for x in live), "live items marked deleted")
        f = all_items(api, "/v1/news?updated_since=" + EPOCH + "&include_deleted=false&limit=100", "include_deleted=false")
        check(slug not in slugs(f), "include_deleted=false returns the tombstone")
        res = all_items(api, "/v1/search?q=retailers&types=news", "search")
        check(slug not in slugs(res), "deleted item still found by /v1/search")
    finally:
        api.psql("UPDATE news SET deleted_at = NULL WHERE slug = '%s'" % slug)
    ok_json(api.get("/v1/news/" + slug), "GET restored " + slug)
