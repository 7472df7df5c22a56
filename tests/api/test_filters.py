"""Every combination of a list's filters, page by page, gives what a reference query gives.

The server prepares one statement per set of given filters (src/db/variant.c), with ranges on
the order index's key and tags read from item_tags (migration 0012). The references here are
the statements as they were before that: one query per list with every filter optional, on
the content tables themselves. Pages of 2 also walk every cursor of every combination."""

import itertools
import urllib.parse

from apilib import eq, slugs, walk

VISIBLE = ("t.deleted_at IS NULL AND t.status = 'published'"
           " AND (t.published_at IS NULL OR t.published_at <= now())")


def _lit(v, cast):
    return "NULL::%s" % cast if v is None else "'%s'::%s" % (v.replace("'", "''"), cast)


def _walk_slugs(api, path, params):
    query = urllib.parse.urlencode([(k, v) for k, v in params if v is not None] + [("limit", "2")])
    return [s for p in walk(api, path + "?" + query, path + "?" + query) for s in slugs(p["data"])]


def _reference(api, sql):
    out = api.psql(sql).strip()
    return out.splitlines() if out else []


def _reference_list(api, table, conditions):
    """The reference: table's visible rows, newest first, with every filter optional. Each
    condition is (value, cast, test), where test is SQL with {v} for the value's literal; a
    filter whose value is None is left out as the old statements' "$n IS NULL OR" did."""
    where = "".join(" AND (%s IS NULL OR %s)" % (_lit(v, cast), test.format(v=_lit(v, cast)))
                    for v, cast, test in conditions)
    return _reference(api, "SELECT t.slug FROM %s t WHERE %s%s"
                           " ORDER BY coalesce(t.published_at, '-infinity') DESC, t.id DESC"
                      % (table, VISIBLE, where))


def test_news_filters_in_every_combination_match_the_reference_query(api):
    # Starter news: dated 2019-06-10 .. 2021-11-04 and 16 undated ones; "media" tags 7.
    for tag, frm, to in itertools.product((None, "media", "supply-chains", "no-such-tag"),
                                          (None, "2020-01-01", "2021-03-05"),
                                          (None, "2020-12-31", "2019-06-11")):
        if frm and to and frm > to:
            continue
        got = _walk_slugs(api, "/v1/news", [("tag", tag), ("from", frm), ("to", to)])
        want = _reference_list(api, "news", [
            (tag, "text", "t.tags @> ARRAY[{v}]"),
            (frm, "date", "t.published_at >= iasc_london_start({v})"),
            (to, "date", "t.published_at < iasc_london_start({v} + 1)")])
        eq(got, want, "news tag=%s from=%s to=%s, pages of 2" % (tag, frm, to))


def test_publication_filters_in_every_combination_match_the_reference_query(api):
    years = _reference(api, "SELECT DISTINCT iasc_publication_year(published_at, published_approx)"
                            " FROM publications WHERE published_approx IS NOT NULL LIMIT 2")
    tags = _reference(api, "SELECT DISTINCT unnest(tags) FROM publications LIMIT 1")
    for ptype, tag, year in itertools.product((None, "annual_report", "review"),
                                              [None] + tags, [None, "2020", "2019"] + years):
        got = _walk_slugs(api, "/v1/publications", [("type", ptype), ("tag", tag), ("year", year)])
        want = _reference_list(api, "publications", [
            (ptype, "text", "t.type = {v}"),
            (tag, "text", "t.tags @> ARRAY[{v}]"),
            (year, "int", "{v} = CASE WHEN t.published_at IS NOT NULL"
                          " THEN extract(year FROM t.published_at AT TIME ZONE 'Europe/London')::int"
                          " ELSE substr(t.published_approx, 1, 4)::int END")])
        eq(got, want, "publications type=%s tag=%s year=%s, pages of 2" % (ptype, tag, year))


def test_resource_filters_in_every_combination_match_the_reference_query(api):
    tags = _reference(api, "SELECT DISTINCT unnest(tags) FROM resources ORDER BY 1 LIMIT 1")
    for coll, rtype, tag in itertools.product((None, "coronavirus-response"),
                                              (None, "qa", "statutory_agency"), [None] + tags):
        got = _walk_slugs(api, "/v1/resources", [("collection", coll), ("type", rtype), ("tag", tag)])
        want = _reference_list(api, "resources", [
            (coll, "text", "t.collection = {v}"),
            (rtype, "text", "t.type = {v}"),
            (tag, "text", "t.tags @> ARRAY[{v}]")])
        eq(got, want, "resources collection=%s type=%s tag=%s, pages of 2" % (coll, rtype, tag))
