"""/v1/publications: London dates, documents, type and year filters."""

from apilib import check, eq, ok_json, problem, all_items, slugs
import expected

SDR = "statutory-defence-call-for-evidence-review"


def _year(v):
    typ, pa, approx, doc = v
    if pa:
        return pa[:4]  # (no starter item is dated around New Year, so the UTC year is the London year)
    return approx[:4] if approx else None


def test_publications_published_on_is_the_london_date(api):
    p = ok_json(api.get("/v1/publications/" + SDR), "GET /v1/publications/" + SDR)
    eq(p.get("published_on"), "2020-10-08", "published_on (00:00 BST on 8 Oct is the 8th)")
    eq(p.get("published_at"), "2020-10-07T23:00:00Z", "published_at (UTC)")
    eq(p.get("type"), "review", "type")
    eq(p.get("url"), api.base + "/v1/publications/" + SDR, "url")


def test_publications_documents_carry_the_pdf_url(api):
    p = ok_json(api.get("/v1/publications/" + SDR), "GET /v1/publications/" + SDR)
    docs = p.get("documents")
    check(isinstance(docs, list) and docs, "documents[] empty or missing: %r", docs)
    eq(docs[0].get("url"), expected.PUBLICATIONS[SDR][3], "documents[0].url")
    for f in ("url", "media_type", "size_bytes", "title"):
        check(f in docs[0], "document lacks %r: %r", f, docs[0])
    check(docs[0].get("media_type") in (None, "application/pdf"), "PDF media_type %r", docs[0].get("media_type"))


def test_publications_without_document_have_empty_documents(api):
    p = ok_json(api.get("/v1/publications/annual-report-2019-2020"), "GET annual-report-2019-2020")
    eq(p.get("documents"), [], "documents of a publication without a known document")
    eq(p.get("published_on"), None, "published_on of an undated publication")
    eq(p.get("published_approx"), "2020-09", "published_approx")


def test_publications_list_contract_fields(api):
    items = all_items(api, "/v1/publications?limit=100", "GET /v1/publications?limit=100")
    eq(set(slugs(items)), set(expected.PUBLICATIONS), "publication slugs")
    for p in items:
        for f in ("id", "slug", "title", "type", "summary", "published_on", "tags", "partners", "documents",
                  "created_at", "updated_at", "url"):
            check(f in p, "publication %s lacks %r", p.get("slug"), f)
        check(isinstance(p["partners"], list) and isinstance(p["tags"], list) and isinstance(p["documents"], list),
              "publication %s arrays", p.get("slug"))
    dated = [p["published_at"] for p in items if p.get("published_at")]
    eq(items[0]["slug"], SDR, "newest (only dated) publication first")
    n = len(dated)
    check(all(p.get("published_at") is None for p in items[n:]), "undated publications must come last")


def test_publications_type_filter(api):
    items = all_items(api, "/v1/publications?type=annual_report", "type=annual_report")
    want = {s for s, v in expected.PUBLICATIONS.items() if v[0] == "annual_report"}
    eq(set(slugs(items)), want, "type=annual_report")
    eq(len(items), 3, "number of annual reports")
    eq(all_items(api, "/v1/publications?type=no_such_type", "type=no_such_type"), [], "type=no_such_type")


def test_publications_year_filter(api):
    for y in ("2020", "2021", "2017"):
        items = all_items(api, "/v1/publications?year=" + y, "year=" + y)
        want = {s for s, v in expected.PUBLICATIONS.items() if _year(v) == y}
        eq(set(slugs(items)), want, "year=" + y)
    check(SDR in slugs(all_items(api, "/v1/publications?year=2020", "year=2020")), "dated 2020 item missing")


def test_publications_bad_year_is_400(api):
    for v in ("20", "twenty", "2020-01", "02020"):
        problem(api.get("/v1/publications?year=" + v), 400, "year=" + v, field="year")


def test_publications_year_and_type_combine(api):
    items = all_items(api, "/v1/publications?year=2021&type=review", "year=2021&type=review")
    eq(slugs(items), ["financial-sector-ceo-letters-review"], "year=2021&type=review")


def test_publications_unknown_slug_is_404(api):
    problem(api.get("/v1/publications/no-such-publication"), 404, "unknown publication")
