"""/v1/search: one full-text search over news, publications and resources."""

import re
import urllib.parse

from apilib import all_items, check, eq, ok_list, problem, purge_items, shared_token, slugs, walk

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


# The search statement before item_reads and iasc_search_snippet (migration 0012): ranks from
# each content table's own tsvector, snippets from the whole text. On the starter data (bodies
# of 400 characters or fewer) the server must give exactly its results, order, ranks and
# snippets.
_REFERENCE_SEARCH = """
WITH q AS (SELECT websearch_to_tsquery('english', %(q)s) AS q),
hits AS (
  SELECT 'news'::text AS type, t.id, ts_rank(t.search, q.q) AS rank FROM news t, q
  WHERE {visible} AND t.search @@ q.q
  UNION ALL SELECT 'publications', t.id, ts_rank(t.search, q.q) FROM publications t, q
  WHERE {visible} AND t.search @@ q.q
  UNION ALL SELECT 'resources', t.id, ts_rank(t.search, q.q) FROM resources t, q
  WHERE {visible} AND t.search @@ q.q)
SELECT h.type || '|' || h.id || '|' || h.rank::text || '|' || iasc_snippet(x.doc, q.q)
FROM hits h CROSS JOIN q CROSS JOIN LATERAL (
  SELECT concat_ws(' ', t.summary, t.body_markdown) AS doc FROM news t WHERE h.type = 'news' AND t.id = h.id
  UNION ALL SELECT concat_ws(' ', t.summary, t.body_markdown) FROM publications t
  WHERE h.type = 'publications' AND t.id = h.id
  UNION ALL SELECT concat_ws(' ', t.summary, t.organisation, t.role) FROM resources t
  WHERE h.type = 'resources' AND t.id = h.id) x
ORDER BY h.rank DESC, h.type, h.id
""".format(visible="t.deleted_at IS NULL AND t.status = 'published'"
                   " AND (t.published_at IS NULL OR t.published_at <= now())")


def test_search_gives_the_reference_results_ranks_and_snippets(api):
    found = 0
    for qv in ("slavery", "modern slavery", "statutory defence", "gangmasters", "labour OR exploitation",
               "\"supply chains\"", "victims -children", "slavery & <b>", "O'Brien's report"):
        lit = "'" + qv.replace("'", "''") + "'"
        want = [line.split("|", 3) for line in api.psql(_REFERENCE_SEARCH % {"q": lit}).splitlines() if line]
        got = all_items(api, "/v1/search?limit=7&q=" + urllib.parse.quote(qv), "q=%r" % qv)
        eq([(r["type"], r["id"]) for r in got], [(w[0], w[1]) for w in want], "q=%r: results in order" % qv)
        eq([r["rank"] for r in got], [float(w[2]) for w in want], "q=%r: ranks" % qv)
        eq([r["snippet"] for r in got], [w[3] for w in want], "q=%r: snippets" % qv)
        found += bool(want)
    check(found >= 6, "the reference queries found too little to compare (%d of them found some)", found)


def test_search_snippet_marks_a_match_beyond_the_opening_of_a_long_body(api):
    token = shared_token(api, ["news:write"])
    filler = " ".join("word%d" % i for i in range(300))  # about 2,400 characters
    body = filler + " then the zebrafinch appears & <em>escaped</em>."
    r = api.send("POST", "/v1/news", token, {"title": "Snippet depth test", "slug": "snippet-depth-test",
                                              "summary": "A summary.", "body_markdown": body})
    check(r.status == 201, "create: %s", r.describe())
    try:
        res = all_items(api, "/v1/search?q=zebrafinch", "q=zebrafinch")
        eq([x["slug"] for x in res], ["snippet-depth-test"], "q=zebrafinch")
        sn = res[0]["snippet"]
        check("<mark>zebrafinch</mark>" in sn, "the match deep in the body is not marked: %r", sn)
        check("&amp;" in sn and "<em>" not in sn, "snippet not escaped: %r", sn)
        res = all_items(api, "/v1/search?q=word3", "q=word3")
        sn = res[0]["snippet"]
        check("<mark>word3</mark>" in sn and "zebrafinch" not in sn,
              "an early match is marked from the opening of the body: %r", sn)
    finally:
        purge_items(api, "snippet-depth")


def test_search_index_follows_every_write(api):
    """item_reads and item_tags (migration 0012) agree with the content tables after creates,
    updates, publication, tag changes, deletes, soft and hard."""
    diff = ("SELECT count(*) FROM ("
            " (SELECT 'news', id, status, deleted_at, published_at, tags, search::text FROM news"
            "  UNION ALL SELECT 'publications', id, status, deleted_at, published_at, tags, search::text"
            "  FROM publications UNION ALL SELECT 'resources', id, status, deleted_at, published_at, tags,"
            "  search::text FROM resources)"
            " EXCEPT SELECT kind, id, status, deleted_at, published_at, tags, vec::text FROM item_reads) d")
    diff_back = ("SELECT (SELECT count(*) FROM item_reads) - (SELECT count(*) FROM news)"
                 " - (SELECT count(*) FROM publications) - (SELECT count(*) FROM resources)")
    tag_diff = ("SELECT count(*) FROM ((SELECT DISTINCT 'news', id, unnest(tags), coalesce(published_at, '-infinity')"
                " FROM news UNION ALL SELECT DISTINCT 'publications', id, unnest(tags),"
                " coalesce(published_at, '-infinity') FROM publications UNION ALL SELECT DISTINCT 'resources', id,"
                " unnest(tags), coalesce(published_at, '-infinity') FROM resources)"
                " EXCEPT ALL SELECT kind, id, tag, k FROM item_tags) d")
    tag_back = ("SELECT (SELECT count(*) FROM item_tags) - (SELECT count(*) FROM (SELECT DISTINCT 'news', id,"
                " unnest(tags) FROM news UNION ALL SELECT DISTINCT 'p', id, unnest(tags) FROM publications"
                " UNION ALL SELECT DISTINCT 'r', id, unnest(tags) FROM resources) x)")

    def agree(what):
        for sql in (diff, diff_back, tag_diff, tag_back):
            eq(api.psql(sql).strip(), "0", "%s: item_reads/item_tags vs the tables (%s)" % (what, sql[:40]))

    token = shared_token(api, ["admin"])
    agree("starter data")
    r = api.send("POST", "/v1/news", token, {"title": "Index follows writes", "slug": "index-follows-writes",
                                              "status": "draft", "tags": ["alpha", "beta"],
                                              "body_markdown": "quokka sightings"})
    check(r.status == 201, "create: %s", r.describe())
    agree("draft created")
    eq(all_items(api, "/v1/search?q=quokka", "draft"), [], "a draft is not searched")
    r = api.send("PATCH", "/v1/news/index-follows-writes", token,
                 {"status": "published", "tags": ["beta", "gamma"], "published_at": "2020-05-05T10:00:00Z"},
                 headers={"Content-Type": "application/merge-patch+json"})
    check(r.status == 200, "publish: %s", r.describe())
    agree("published with other tags")
    eq([x["slug"] for x in all_items(api, "/v1/search?q=quokka", "published")], ["index-follows-writes"],
       "published: searched")
    eq(slugs(all_items(api, "/v1/news?tag=gamma", "tag=gamma")), ["index-follows-writes"], "tag=gamma")
    eq(slugs(all_items(api, "/v1/news?tag=alpha", "tag=alpha")), [], "tag=alpha after it was removed")
    r = api.send("DELETE", "/v1/news/index-follows-writes", token)
    check(r.status == 204, "delete: %s", r.describe())
    agree("soft-deleted")
    eq(all_items(api, "/v1/search?q=quokka", "deleted"), [], "a deleted item is not searched")
    purge_items(api, "index-follows")
    agree("purged")
