"""/v1/search: one full-text search over news, publications and resources."""

import re
import urllib.parse

from apilib import check, eq, ok_list, problem, walk, all_items

TYPES = {"news", "publications", "resources"}


def _strip_marks(s):
    return s.replace("<mark>", "").replace("</mark>", "")


def test_search_slavery_results_are_typed_and_highlighted(api):
    js = ok_list(api.get("/v1/search?q=slavery&limit=100"), "GET /v1/search?q=slavery")
    res = js["data"]
    check(len(res) >= 10, "q=slavery should match many items, got %d", len(res))
    got_types = {r.get("type") for r in res}
    check(got_types <= TYPES, "unexpected result types: %r", got_types)
    eq(got_types, TYPES, "q=slavery matches news, publications and resources")
    marked = 0
    for r in res:
        for f in ("type", "id", "slug", "title", "url", "snippet"):
            check(f in r, "search result lacks %r: %r", f, r)
        sn = r.get("snippet") or ""
        check("<" not in _strip_marks(sn), "snippet has raw '<' other than <mark> tags: %r", sn)
        check(">" not in _strip_marks(sn), "snippet has raw '>' other than <mark> tags: %r", sn)
        if "<mark>" in sn:
            marked += 1
            check(sn.count("<mark>") == sn.count("</mark>"), "unbalanced <mark> in %r", sn)
            check(re.search(r"<mark>[^<]*slaver[^<]*</mark>", sn, re.I), "marked text isn't the match: %r", sn)
        eq(r["url"], "%s/v1/%s/%s" % (api.base, r["type"], r["slug"]), "search result url")
    check(marked > 0, "no snippet contains <mark>")


def test_search_results_ranked(api):
    res = all_items(api, "/v1/search?q=slavery&limit=100", "q=slavery")
    ranks = [r.get("rank") for r in res]
    if all(isinstance(x, (int, float)) for x in ranks):
        check(ranks == sorted(ranks, reverse=True), "search results not in rank order: %r", ranks)
    res = all_items(api, "/v1/search?q=gangmasters", "q=gangmasters")
    check(("resources", "agency-glaa") in [(r["type"], r["slug"]) for r in res],
          "q=gangmasters misses resources/agency-glaa: %r", [(r["type"], r["slug"]) for r in res])


def test_search_types_news_only(api):
    res = all_items(api, "/v1/search?q=slavery&types=news&limit=100", "types=news")
    check(res, "types=news returned nothing for q=slavery")
    eq({r["type"] for r in res}, {"news"}, "types=news result types")
    res = all_items(api, "/v1/search?q=slavery&types=news,publications&limit=100", "types=news,publications")
    eq({r["type"] for r in res}, {"news", "publications"}, "types=news,publications result types")


def test_search_missing_or_blank_q_is_400(api):
    problem(api.get("/v1/search"), 400, "search without q", field="q")
    problem(api.get("/v1/search?q="), 400, "search with empty q", field="q")
    problem(api.get("/v1/search?q=%20%20"), 400, "search with blank q", field="q")
    problem(api.get("/v1/search?q=" + "a" * 201), 400, "search with q over 200 characters", field="q")


def test_search_bogus_types_is_400(api):
    problem(api.get("/v1/search?q=slavery&types=bogus"), 400, "types=bogus", field="types")
    problem(api.get("/v1/search?q=slavery&types=news,bogus"), 400, "types=news,bogus", field="types")
    problem(api.get("/v1/search?q=slavery&types=helplines"), 400, "types=helplines", field="types")


def test_search_pagination_with_cursor(api):
    pages = walk(api, "/v1/search?q=slavery&limit=4", "q=slavery&limit=4")
    check(len(pages) >= 3, "q=slavery&limit=4 should span several pages, got %d", len(pages))
    seen = [(r["type"], r["id"]) for p in pages for r in p["data"]]
    eq(len(seen), len(set(seen)), "search pages overlap")
    one = [(r["type"], r["id"]) for r in ok_list(api.get("/v1/search?q=slavery&limit=100"), "limit=100")["data"]]
    eq(seen, one, "paged search vs one page")


def test_search_hostile_query_text_is_escaped(api):
    for qv in ("<script>alert(1)</script> slavery", "slavery & <b>", "'slavery'", "slavery:*", "!!", "a | b", "(((",
               "\"modern slavery\"", "-slavery", "slavery OR labour"):
        r = api.get("/v1/search?q=" + urllib.parse.quote(qv, safe=""))
        js = ok_list(r, "q=%r" % qv)
        for x in js["data"]:
            check("<" not in _strip_marks(x.get("snippet") or ""), "q=%r: unescaped snippet %r", qv, x.get("snippet"))


def test_search_q_with_no_matches(api):
    js = ok_list(api.get("/v1/search?q=zzyzxqwv"), "q=zzyzxqwv")
    eq(js["data"], [], "no matches")
    eq(js["next_cursor"], None, "next_cursor with no matches")
