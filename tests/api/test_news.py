"""/v1/news: order, pagination, filters, one item."""

import re
import urllib.parse

from apilib import check, eq, ok_json, ok_list, problem, all_items, walk, slugs, parse_link_next
import expected


def _key(slug):
    pa = expected.NEWS[slug][0]
    return pa


def test_news_newest_first_undated_last(api):
    items = all_items(api, "/v1/news?limit=100", "GET /v1/news?limit=100")
    eq(len(items), 29, "number of news items")
    eq(set(slugs(items)), set(expected.NEWS), "news slugs")
    pas = [n.get("published_at") for n in items]
    dated = [p for p in pas if p is not None]
    n_dated = len(dated)
    check(all(p is not None for p in pas[:n_dated]) and all(p is None for p in pas[n_dated:]),
          "undated news must come last: %r", pas)
    check(dated == sorted(dated, reverse=True), "news not newest first: %r", dated)
    eq(items[0].get("slug"), "times-red-box-op-ed-november-2021", "newest news item")
    for n in items:
        eq(n.get("published_at"), expected.NEWS[n["slug"]][0], "published_at (UTC) of %s" % n["slug"])


def test_news_default_page_is_20(api):
    js = ok_list(api.get("/v1/news"), "GET /v1/news")
    eq(len(js["data"]), 20, "default page size")
    check(isinstance(js["next_cursor"], str), "first default page should have a next_cursor")


def test_news_list_items_have_contract_fields(api):
    js = ok_list(api.get("/v1/news?limit=3"), "GET /v1/news?limit=3")
    for n in js["data"]:
        for f in ("id", "slug", "title", "summary", "published_at", "tags", "source_url", "created_at", "updated_at", "url"):
            check(f in n, "news list item %s lacks %r", n.get("slug"), f)
        check(isinstance(n["tags"], list), "tags not a list")
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", n["updated_at"] or ""),
              "updated_at not RFC 3339 UTC: %r", n["updated_at"])
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", n["created_at"] or ""),
              "created_at not RFC 3339 UTC: %r", n["created_at"])
        eq(n["url"], api.base + "/v1/news/" + n["slug"], "news url")


def test_news_pagination_limit_5_covers_everything_once(api):
    pages = walk(api, "/v1/news?limit=5", "GET /v1/news?limit=5")
    eq(len(pages), 6, "pages of 5 over 29 items")
    seen = []
    for i, p in enumerate(pages):
        check(len(p["data"]) == (5 if i < 5 else 4), "page %d has %d items", i + 1, len(p["data"]))
        seen.extend(slugs(p["data"]))
    eq(len(seen), len(set(seen)), "pages overlap (%d items, %d distinct)" % (len(seen), len(set(seen))))
    eq(set(seen), set(expected.NEWS), "union of pages")
    full = slugs(all_items(api, "/v1/news?limit=100", "limit=100"))
    eq(seen, full, "paged order vs one-page order")


def test_news_link_next_is_absolute_and_works(api):
    r = api.get("/v1/news?limit=5&tag=media")
    js = ok_list(r, "GET /v1/news?limit=5&tag=media")
    eq(len(js["data"]), 5, "first page of tag=media")
    link = r.headers.get("link")
    nxt = parse_link_next(link)
    check(nxt, "no Link rel=next on a page with next_cursor %r (Link: %r)", js["next_cursor"], link)
    u = urllib.parse.urlsplit(nxt)
    eq((u.scheme, u.netloc), ("http", "%s:%d" % (api.host, api.port)), "Link next scheme/host (absolute URL)")
    eq(u.path, "/v1/news", "Link next path")
    qs = urllib.parse.parse_qs(u.query)
    eq(qs.get("tag"), ["media"], "Link next keeps tag")
    eq(qs.get("limit"), ["5"], "Link next keeps limit")
    eq(qs.get("cursor"), [js["next_cursor"]], "Link next cursor")
    js2 = ok_list(api.get(u.path + "?" + u.query), "GET Link next")
    js3 = ok_list(api.get("/v1/news?limit=5&tag=media&cursor=" + urllib.parse.quote(js["next_cursor"], safe="")),
                  "GET next_cursor")
    eq(slugs(js2["data"]), slugs(js3["data"]), "Link next page vs next_cursor page")
    want = {s for s, v in expected.NEWS.items() if "media" in v[2]}
    eq(set(slugs(js["data"] + js2["data"])), want, "tag=media items over two pages")
    eq(js2["next_cursor"], None, "next_cursor at the end")
    r_last = api.get(u.path + "?" + u.query)
    eq(parse_link_next(r_last.headers.get("link")), None, "Link rel=next on the last page")


def test_news_tag_filter(api):
    items = all_items(api, "/v1/news?tag=media", "tag=media")
    want = {s for s, v in expected.NEWS.items() if "media" in v[2]}
    eq(set(slugs(items)), want, "tag=media")
    items = all_items(api, "/v1/news?tag=criminal-justice", "tag=criminal-justice")
    want = {s for s, v in expected.NEWS.items() if "criminal-justice" in v[2]}
    eq(set(slugs(items)), want, "tag=criminal-justice")
    eq(all_items(api, "/v1/news?tag=no-such-tag", "tag=no-such-tag"), [], "tag=no-such-tag")


def test_news_from_to_are_london_dates(api):
    items = all_items(api, "/v1/news?from=2020-10-15&to=2020-10-15", "from=to=2020-10-15")
    eq(set(slugs(items)), {"cji-ni-modern-slavery-inspection", "sentencing-council-modern-slavery-consultation"},
       "news on 15 Oct 2020 (London)")
    items = all_items(api, "/v1/news?from=2020-10-14&to=2020-10-14", "from=to=2020-10-14")
    eq(slugs(items), ["icai-review-uk-aid-modern-slavery"], "news on 14 Oct 2020 (London)")


def test_news_from_to_ranges(api):
    items = all_items(api, "/v1/news?from=2020-10-01", "from=2020-10-01")
    want = {s for s, v in expected.NEWS.items() if v[0] and v[0] >= "2020-09-30T23:00:00Z"}
    eq(set(slugs(items)), want, "from=2020-10-01")
    items = all_items(api, "/v1/news?to=2019-07-29", "to=2019-07-29")
    eq(set(slugs(items)), {"response-pm-ilo-address", "companies-must-use-buying-power"}, "to=2019-07-29")
    items = all_items(api, "/v1/news?from=2020-11-17", "from=2020-11-17")
    eq(set(slugs(items)), {"new-sentencing-guidelines-welcomed", "times-red-box-op-ed-november-2021"}, "from=2020-11-17")


def test_news_from_after_to_is_400(api):
    problem(api.get("/v1/news?from=2020-10-16&to=2020-10-15"), 400, "from > to")


def test_news_bad_dates_are_400(api):
    for v in ("2020-13-01", "2020-02-30", "2020-1-5", "20201015", "2020-10-15T00:00:00Z", "yesterday"):
        problem(api.get("/v1/news?from=" + v), 400, "from=" + v, field="from")
        problem(api.get("/v1/news?to=" + v), 400, "to=" + v, field="to")


def test_news_q_is_ranked(api):
    items = all_items(api, "/v1/news?q=research", "q=research")
    got = slugs(items)
    check(got, "q=research found nothing")
    eq(got[0], "iasc-rights-lab-research-agreement", "best match for q=research (in title and summary)")
    check("strategic-plan-2019-2021-published" in got, "q=research misses an item with 'research' in its summary: %r", got)
    check("nca-project-aidant-week-of-action" not in got, "q=research returns an unrelated item: %r", got)


def test_news_q_matches_stems(api):
    got = set(slugs(all_items(api, "/v1/news?q=sentence", "q=sentence")))
    check({"sentencing-council-modern-slavery-consultation", "new-sentencing-guidelines-welcomed"} <= got,
          "q=sentence (English stemming) misses sentencing items: %r", got)


def test_news_q_pagination(api):
    pages = walk(api, "/v1/news?q=slavery&limit=3", "q=slavery&limit=3")
    seen = [s for p in pages for s in slugs(p["data"])]
    eq(len(seen), len(set(seen)), "q=slavery pages overlap")
    one = slugs(all_items(api, "/v1/news?q=slavery&limit=100", "q=slavery&limit=100"))
    eq(seen, one, "q=slavery paged vs one page")
    check(len(seen) > 3, "q=slavery should match several items, got %r", seen)


def test_news_item_has_body_and_absolute_self_url(api):
    slug = "statutory-defence-review-published"
    r = api.get("/v1/news/" + slug)
    n = ok_json(r, "GET /v1/news/" + slug)
    eq(n.get("slug"), slug, "slug")
    for f in ("body_markdown", "body_html"):
        check(f in n, "news item lacks %r", f)
    eq(n.get("url"), api.base + "/v1/news/" + slug, "url (own absolute address)")
    eq(n.get("published_at"), "2020-10-07T23:00:00Z", "published_at in UTC")
    eq(n.get("tags"), ["statutory-defence", "criminal-justice", "review"], "tags")
    # the url is the item's own address: fetching it gives the same item
    r2 = api.get(n["url"][len(api.base):])
    eq(ok_json(r2, "GET url").get("id"), n.get("id"), "item at its url")
    lst = ok_list(api.get("/v1/news?limit=100"), "list")
    lit = [x for x in lst["data"] if x["slug"] == slug][0]
    check("body_markdown" not in lit and "body_html" not in lit, "list items should not carry the body")
    eq(lit.get("id"), n.get("id"), "same id in list and item")


def test_news_item_url_follows_host_header(api):
    r = api.get("/v1/news/statutory-defence-review-published", headers={"Host": "api.example.org"})
    n = ok_json(r, "GET with Host: api.example.org")
    check(str(n.get("url")).endswith("//api.example.org/v1/news/statutory-defence-review-published"),
          "url should be built from the Host header, got %r", n.get("url"))


def test_news_undated_item_is_served(api):
    n = ok_json(api.get("/v1/news/retailers-responsibility-i-interview"), "GET undated news")
    eq(n.get("published_at"), None, "undated published_at")
    n = ok_json(api.get("/v1/news/sara-thornton-appointed"), "GET news with approx date")
    eq(n.get("published_at"), None, "published_at")
    eq(n.get("published_approx"), "2019-02", "published_approx")


def test_news_unknown_slug_is_404_problem(api):
    problem(api.get("/v1/news/no-such-news-item"), 404, "unknown news slug", ptype="not-found")
    problem(api.get("/v1/news/NCA-Project-Aidant-Week-Of-Action"), 404, "slug is case-sensitive")
    r = api.get("/v1/news/%2e%2e")
    problem(r, 400 if r.status == 400 else 404, "dot-dot slug (400 or 404)")
