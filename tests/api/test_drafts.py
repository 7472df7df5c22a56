"""Drafts and scheduling (issue 3, point 5): drafts and items whose published_at is still to
come are invisible to the public (lists, items, search, sync, feeds) and visible to token
holders (items; lists with status=draft or include=scheduled) until they go live."""

import datetime
import time
import urllib.parse

from apilib import check, eq, problem, shared_token, purge_items, all_items

PREFIX = "zz-d-"
WORD = "zqxdraftword"          # only in the draft items
FUTURE_WORD = "zqxfutureword"  # only in the future-dated items
TYPES = ["news", "publications", "helplines", "support-rates", "resources"]
FUTURE = "2099-01-01T09:00:00Z"


def _tok(api):
    return shared_token(api, "admin")


def _body(kind, n, word):
    key = PREFIX + n
    if kind == "news":
        return {"title": "ZZ news %s %s" % (word, n), "slug": key, "summary": word}
    if kind == "publications":
        return {"title": "ZZ publication %s %s" % (word, n), "slug": key, "type": "report", "summary": word}
    if kind == "helplines":
        return {"name": "ZZ line %s %s" % (word, n), "slug": key, "kind": "phone", "phone": "0800 000 0000",
                "urgency": "advice", "position": 9002, "jurisdictions": ["zzland"]}
    if kind == "support-rates":
        return {"id": key, "title": "ZZ rate %s" % word, "description": word, "jurisdiction": "Zzland",
                "category": "zz_" + n.replace("-", "_"), "amount_pence": 100, "period": "week"}
    return {"title": "ZZ resource %s %s" % (word, n), "slug": key, "type": "guidance", "summary": word}


def _key(kind, n):
    return PREFIX + n


def _create(api, kind, n, word, **extra):
    body = _body(kind, n, word)
    body.update(extra)
    r = api.send("POST", "/v1/" + kind, token=_tok(api), json_body=body)
    check(r.status == 201, "POST /v1/%s %s: expected 201, got %s", kind, n, r.describe(600))
    return r.json


def _list(api, path, token=None):
    """Every item of a list (following next_cursor), public or with a token."""
    out, url = [], path
    for _ in range(50):
        r = api.send("GET", url, token=token)
        check(r.status == 200 and isinstance(r.json, dict), "GET %s: expected 200, got %s", url, r.describe())
        out.extend(r.json["data"])
        cur = r.json.get("next_cursor")
        if not cur:
            return out
        url = path + ("&" if "?" in path else "?") + "cursor=" + urllib.parse.quote(cur, safe="")
    raise AssertionError("GET %s: too many pages" % path)


def _keys(items):
    return {x.get("slug") or x.get("id") for x in items}


def _public_sees(api, kind, key, word):
    """Where the public sees the item: a set of places."""
    seen = set()
    if api.get("/v1/%s/%s" % (kind, key)).status != 404:
        seen.add("item")
    extra = "&history=true" if kind == "support-rates" else ""
    if key in _keys(_list(api, "/v1/%s?limit=100%s" % (kind, extra))):
        seen.add("list")
    stream = api.get("/v1/%s?updated_since=2000-01-01T00:00:00Z&limit=100" % kind)
    if word.encode() in stream.body or key.encode() in stream.body:
        seen.add("sync")
    stream = _list(api, "/v1/%s?updated_since=2000-01-01T00:00:00Z&include_deleted=true&limit=100" % kind)
    for x in stream:
        if (x.get("slug") == key or x.get("id") == key) and not x.get("deleted"):
            seen.add("sync-deleted")
        if word in str(x):
            seen.add("sync-content")
    if kind in ("news", "publications", "resources"):
        r = api.get("/v1/search?q=" + word)
        check(r.status == 200, "GET /v1/search?q=%s: %s", word, r.describe())
        if key in _keys(r.json.get("data", [])):
            seen.add("search")
        if kind != "publications":
            r = api.get("/v1/%s?q=%s" % (kind, word))
            if r.status == 200 and key in _keys(r.json.get("data", [])):
                seen.add("list-q")
    if kind in ("news", "publications"):
        for fmt in ("json", "atom", "rss"):
            r = api.get("/v1/feeds/%s.%s" % (kind, fmt))
            if r.status == 200 and (word.encode() in r.body or key.encode() in r.body):
                seen.add("feed." + fmt)
    return seen


def test_status_and_include_need_a_token(api):
    for q in ("status=draft", "status=published", "include=scheduled"):
        for kind in TYPES:
            r = api.get("/v1/%s?%s" % (kind, q))
            problem(r, 401, "GET /v1/%s?%s without a token" % (kind, q), ptype="unauthorized")
            check((r.headers.get("www-authenticate") or "").startswith("Bearer"),
                  "GET /v1/%s?%s: WWW-Authenticate %r", kind, q, r.headers.get("www-authenticate"))
    problem(api.send("GET", "/v1/news?status=live", token=_tok(api)), 400, "status=live with a token")
    problem(api.send("GET", "/v1/news?include=drafts", token=_tok(api)), 400, "include=drafts with a token")


def test_drafts_are_invisible_to_the_public_and_visible_to_a_token_holder(api):
    tok = _tok(api)
    for kind in TYPES:
        n = "draft-" + kind
        key = _key(kind, n)
        js = _create(api, kind, n, WORD, status="draft")
        eq(js.get("status"), "draft", "status of the new %s draft" % kind)
        eq(_public_sees(api, kind, key, WORD), set(), "where the public sees a %s draft" % kind)
        # the token holder: the item, and lists with status=draft (not the default list)
        r = api.send("GET", "/v1/%s/%s" % (kind, key), token=tok)
        eq(r.status, 200, "GET a %s draft with a token (%s)" % (kind, r.describe()))
        eq(r.json.get("status"), "draft", "status of the %s draft" % kind)
        eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of a draft for a token holder")
        check(key in _keys(_list(api, "/v1/%s?status=draft&limit=100" % kind, token=tok)),
              "GET /v1/%s?status=draft with a token does not list the draft", kind)
        check(key not in _keys(_list(api, "/v1/%s?limit=100" % kind, token=tok)),
              "GET /v1/%s (no status) with a token lists the draft", kind)
        check(key not in _keys(_list(api, "/v1/%s?status=published&limit=100" % kind, token=tok)),
              "GET /v1/%s?status=published with a token lists the draft", kind)
        drafts = _list(api, "/v1/%s?status=draft&limit=100" % kind, token=tok)
        eq({x.get("status") for x in drafts}, {"draft"}, "statuses listed by status=draft")
    r = api.send("GET", "/v1/news?status=draft&q=" + WORD, token=tok)
    eq(r.status, 200, "ranked news list of drafts with a token (%s)" % r.describe())
    eq(_keys(r.json["data"]), {PREFIX + "draft-news"}, "GET /v1/news?status=draft&q=%s with a token" % WORD)


def test_publishing_a_draft_makes_it_public(api):
    tok = _tok(api)
    key = PREFIX + "to-publish"
    _create(api, "news", "to-publish", WORD + "pub", status="draft")
    eq(api.get("/v1/news/" + key).status, 404, "public GET of the draft")
    r = api.send("PATCH", "/v1/news/" + key, token=tok, json_body={"status": "published"})
    eq(r.status, 200, "PATCH status published (%s)" % r.describe())
    eq(api.get("/v1/news/" + key).status, 200, "public GET after publishing")
    check(key in _keys(_list(api, "/v1/news?limit=100")), "public list after publishing lacks the item")
    check(key in _keys(api.get("/v1/search?q=" + WORD + "pub").json["data"]), "public search after publishing")
    r = api.send("PATCH", "/v1/news/" + key, token=tok, json_body={"status": "draft"})
    eq(r.status, 200, "PATCH back to draft (%s)" % r.describe())
    eq(api.get("/v1/news/" + key).status, 404, "public GET after unpublishing")
    check(key not in _keys(_list(api, "/v1/news?limit=100")), "public list after unpublishing still has the item")


def _near_now(value, what):
    check(isinstance(value, str), "%s: published_at %r, expected a time", what, value)
    t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    check(abs(t - time.time()) < 120, "%s: published_at %s is not the time of publishing", what, value)


def test_items_published_without_a_date_are_dated_at_publication(api):
    """Created published, or a draft published, with neither published_at nor
    published_approx: dated at that write, so they come first in the list and the feed. A
    draft stays undated; a date given is kept; the seed's undated items stay undated."""
    tok = _tok(api)
    for kind in ("news", "publications", "resources"):
        js = _create(api, kind, "dated-" + kind, WORD + "dated")
        _near_now(js.get("published_at"), "POST /v1/%s without a date" % kind)
        js = _create(api, kind, "undated-draft-" + kind, WORD + "dated", status="draft")
        eq(js.get("published_at"), None, "POST /v1/%s draft: published_at" % kind)
        r = api.send("PATCH", "/v1/%s/%sundated-draft-%s" % (kind, PREFIX, kind), token=tok,
                     json_body={"status": "published"})
        eq(r.status, 200, "PATCH %s draft to published (%s)" % (kind, r.describe()))
        _near_now(r.json.get("published_at"), "%s draft published" % kind)
        js = _create(api, kind, "approx-" + kind, WORD + "dated", published_approx="2019-05")
        eq(js.get("published_at"), None, "POST /v1/%s with published_approx: published_at" % kind)
        js = _create(api, kind, "given-" + kind, WORD + "dated", published_at="2020-02-03T04:05:06Z")
        eq(js.get("published_at"), "2020-02-03T04:05:06Z", "POST /v1/%s with a date: published_at" % kind)
    first = api.get("/v1/news?limit=2").json["data"]
    check(PREFIX + "dated-news" in [i["slug"] for i in first[:2]],
          "the news item just published is not at the top of /v1/news: %s", [i["slug"] for i in first])
    urls = [i["url"] for i in api.get("/v1/feeds/news.json").json["items"][:2]]
    check(any(u.endswith("/v1/news/" + PREFIX + "dated-news") for u in urls),
          "the news item just published is not at the top of the news feed: %s", urls)
    # the seed's own undated items (their sources give no date) stay undated
    eq(api.get("/v1/news/iasc-rights-lab-research-agreement").json.get("published_at"), None,
       "a seeded undated news item: published_at")
    purge_items(api, PREFIX)


def test_future_dated_items_are_invisible_until_then_and_visible_to_a_token_holder(api):
    tok = _tok(api)
    for kind in TYPES:
        n = "future-" + kind
        key = _key(kind, n)
        _create(api, kind, n, FUTURE_WORD, published_at=FUTURE)
        eq(_public_sees(api, kind, key, FUTURE_WORD), set(), "where the public sees a future-dated %s item" % kind)
        r = api.send("GET", "/v1/%s/%s" % (kind, key), token=tok)
        eq(r.status, 200, "GET a future-dated %s item with a token (%s)" % (kind, r.describe()))
        check(key in _keys(_list(api, "/v1/%s?include=scheduled&limit=100" % kind, token=tok)),
              "GET /v1/%s?include=scheduled with a token does not list the future-dated item", kind)
        check(key not in _keys(_list(api, "/v1/%s?limit=100" % kind, token=tok)),
              "GET /v1/%s (no include) with a token lists the future-dated item", kind)
    # a draft dated in the future is a draft: listed with status=draft
    _create(api, "news", "future-draft", FUTURE_WORD, published_at=FUTURE, status="draft")
    check(PREFIX + "future-draft" in _keys(_list(api, "/v1/news?status=draft&limit=100", token=tok)),
          "status=draft does not list a future-dated draft")
    check(PREFIX + "future-draft" not in _keys(_list(api, "/v1/news?include=scheduled&limit=100", token=tok)),
          "include=scheduled (published only) lists a draft")
    eq(_public_sees(api, "news", PREFIX + "future-draft", FUTURE_WORD), set(), "where the public sees a future draft")


def test_a_scheduled_item_goes_live_at_its_time(api):
    tok = _tok(api)
    word = "zqxsoonword"
    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).replace(microsecond=0)
    # the server's clock is the database's; allow for a small difference
    _create(api, "news", "soon", word, published_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    key = PREFIX + "soon"
    check(api.get("/v1/news/" + key).status == 404 and key not in _keys(_list(api, "/v1/news?limit=100")),
          "an item scheduled 2 s ahead is already public")
    eq(api.send("GET", "/v1/news/" + key, token=tok).status, 200, "token GET of the scheduled item")
    wait = (at - datetime.datetime.now(datetime.timezone.utc)).total_seconds() + 0.3
    if wait > 0:
        time.sleep(wait)
    # the public item, list and search show it once its time has come (allowing the server's
    # once-a-second publication job and a cache invalidation to run: 3 s at most)
    deadline = time.time() + 3
    while True:
        item = api.get("/v1/news/" + key)
        items = _list(api, "/v1/news?limit=100")
        found = api.get("/v1/search?q=" + word).json["data"]
        if (item.status == 200 and key in _keys(items) and key in _keys(found)) or time.time() > deadline:
            break
        time.sleep(0.2)
    eq(item.status, 200, "public GET 3 s after the publication time (%s)" % item.describe())
    check(key in _keys(items), "public list 3 s after the publication time lacks the item (Cache-Control %r, Age %r)",
          api.get("/v1/news?limit=100").headers.get("cache-control"), api.get("/v1/news?limit=100").headers.get("age"))
    eq(items[0].get("slug"), key, "the newly live item is the newest in the list")
    check(key in _keys(found), "public search 3 s after the publication time lacks the item")


def test_zz_clean_up_draft_test_items(api):
    purge_items(api, PREFIX)
