"""/v1/resources: toolkits, guidance, agencies, collections."""

from apilib import check, eq, ok_json, problem, all_items, slugs
import expected


def test_resources_coronavirus_collection(api):
    items = all_items(api, "/v1/resources?collection=coronavirus-response", "collection=coronavirus-response")
    got = set(slugs(items))
    must = {s for s, v in expected.RESOURCES.items() if v[0] == "coronavirus_response"}
    check(must <= got, "collection=coronavirus-response misses %r", sorted(must - got))
    check(all(s.startswith("covid-") for s in got), "non-coronavirus items in the collection: %r",
          sorted(s for s in got if not s.startswith("covid-")))
    for r in items:
        eq(r.get("collection"), "coronavirus-response", "collection of " + r["slug"])
    eq(all_items(api, "/v1/resources?collection=no-such-collection", "collection=no-such"), [], "unknown collection")


def test_resources_statutory_agencies_are_18(api):
    items = all_items(api, "/v1/resources?type=statutory_agency", "type=statutory_agency")
    eq(len(items), 18, "number of statutory agencies")
    eq(set(slugs(items)), {s for s, v in expected.RESOURCES.items() if v[0] == "statutory_agency"},
       "statutory agency slugs")
    check(all(r.get("type") == "statutory_agency" for r in items), "type filter leaks other types")


def test_resources_have_link_field(api):
    items = all_items(api, "/v1/resources?limit=100", "GET /v1/resources?limit=100")
    eq(set(slugs(items)), set(expected.RESOURCES), "resource slugs")
    for r in items:
        for f in ("id", "slug", "title", "type", "collection", "summary", "link", "tags", "url", "created_at",
                  "updated_at"):
            check(f in r, "resource %s lacks %r", r.get("slug"), f)
        eq(r["url"], api.base + "/v1/resources/" + r["slug"], "resource url")
    faq = [r for r in items if r["slug"] == "iasc-faq"][0]
    eq(faq.get("link"), expected.RESOURCES["iasc-faq"][1], "iasc-faq link (the resource's own web address)")


def test_resources_item_and_404(api):
    r = ok_json(api.get("/v1/resources/agency-glaa"), "GET /v1/resources/agency-glaa")
    eq(r.get("type"), "statutory_agency", "agency-glaa type")
    eq(r.get("slug"), "agency-glaa", "slug")
    problem(api.get("/v1/resources/no-such-resource"), 404, "unknown resource")


def test_resources_type_and_collection_combine(api):
    items = all_items(api, "/v1/resources?collection=coronavirus-response&type=statutory_agency", "combined")
    eq(items, [], "collection=coronavirus-response&type=statutory_agency")


def test_resources_q_search(api):
    got = slugs(all_items(api, "/v1/resources?q=gangmasters", "q=gangmasters"))
    check("agency-glaa" in got, "q=gangmasters misses agency-glaa: %r", got)
