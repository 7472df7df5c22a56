"""/v1/helplines: who to call, and when."""

from apilib import check, eq, ok_json, ok_list, problem, all_items, slugs
import expected

MSEH = "modern-slavery-exploitation-helpline"
PRE2021 = "salvation-army-referral-helpline-pre-2021"


def _list(api, query=""):
    return all_items(api, "/v1/helplines" + query, "GET /v1/helplines" + query)


def test_helplines_list_has_modern_slavery_helpline_as_published(api):
    items = {h["slug"]: h for h in _list(api)}
    check(MSEH in items, "Modern Slavery & Exploitation Helpline missing from /v1/helplines: %r", sorted(items))
    h = items[MSEH]
    eq(h.get("phone"), "0800 0121 700", "helpline phone (as published)")
    eq(h.get("phone_e164"), "+448000121700", "helpline phone_e164")
    check("Modern Slavery" in (h.get("name") or ""), "helpline name %r", h.get("name"))
    eq(h.get("is_24_7"), True, "Modern Slavery Helpline is_24_7 (source: 24 hours a day, 365 days a year)")
    eq(h.get("jurisdictions"), ["United Kingdom"], "Modern Slavery Helpline jurisdictions")


def test_helplines_emergency_999_first_and_positions_ascending(api):
    items = _list(api)
    check(items, "no helplines listed")
    eq(items[0].get("slug"), "police-emergency-999", "first helpline")
    eq(items[0].get("phone"), "999", "first helpline phone")
    eq(items[0].get("urgency"), "emergency", "999 urgency")
    pos = [h.get("position") for h in items]
    check(all(isinstance(p, int) and not isinstance(p, bool) for p in pos), "positions must be integers: %r", pos)
    check(pos == sorted(pos), "helplines not ordered by position ascending: %r", pos)


def test_helplines_required_fields_never_null(api):
    for h in _list(api):
        for f in ("urgency", "is_24_7", "position"):
            check(h.get(f) is not None, "helpline %s has %s null/missing", h.get("slug"), f)
        check(h["urgency"] in ("emergency", "non-emergency", "anonymous", "advice"),
              "helpline %s urgency %r", h.get("slug"), h["urgency"])
        check(isinstance(h["is_24_7"], bool), "helpline %s is_24_7 not boolean: %r", h.get("slug"), h["is_24_7"])
        for f in ("id", "slug", "name", "jurisdictions", "availability", "description", "link", "url", "phone",
                  "phone_e164", "created_at", "updated_at"):
            check(f in h, "helpline %s lacks field %r (nullable fields are present as null)", h.get("slug"), f)


def test_helplines_default_list_is_the_current_ones(api):
    got = set(slugs(_list(api)))
    want = {s for s, v in expected.HELPLINES.items() if v[3] is None}  # no valid_to: still current
    eq(got, want, "helplines valid today")


def test_helplines_urgency_emergency_is_only_999(api):
    eq(slugs(_list(api, "?urgency=emergency")), ["police-emergency-999"], "urgency=emergency")


def test_helplines_urgency_filter_is_exact(api):
    for u in ("non-emergency", "anonymous", "advice"):
        items = _list(api, "?urgency=" + u)
        check(all(h.get("urgency") == u for h in items),
              "urgency=%s returned other urgencies: %r", u, [(h["slug"], h.get("urgency")) for h in items])
    check("police-non-emergency-101" in slugs(_list(api, "?urgency=non-emergency")),
          "101 not listed under urgency=non-emergency")


def test_helplines_scotland_includes_tara_and_uk_wide_lines(api):
    items = {h["slug"]: h for h in _list(api, "?jurisdiction=Scotland")}
    check("tara-scotland" in items, "TARA missing for jurisdiction=Scotland: %r", sorted(items))
    eq(items["tara-scotland"].get("phone"), "0141 276 7724", "TARA phone")
    for s in ("police-emergency-999", MSEH, "police-scotland-nhtu", "migrant-help-scotland-daytime"):
        check(s in items, "%s missing for jurisdiction=Scotland", s)
    for s in ("salvation-army-referral-helpline", "migrant-help-ni-referral"):
        check(s not in items, "%s (not Scotland) listed for jurisdiction=Scotland", s)
    for h in items.values():
        j = h.get("jurisdictions") or []
        check("Scotland" in j or "United Kingdom" in j, "%s (%r) listed for Scotland", h["slug"], j)
    want = {s for s, v in expected.HELPLINES.items()
            if v[3] is None and ("Scotland" in v[1] or "United Kingdom" in v[1])}
    eq(set(items), want, "helplines for jurisdiction=Scotland")


def test_helplines_england_excludes_scotland_only_lines(api):
    got = set(slugs(_list(api, "?jurisdiction=England")))
    check("salvation-army-referral-helpline" in got, "Salvation Army referral line missing for England")
    check("tara-scotland" not in got, "TARA (Scotland only) listed for England")
    check(PRE2021 not in got, "superseded pre-2021 Salvation Army number listed for England")


def test_helplines_pre_2021_number_hidden_but_readable_by_slug(api):
    items = _list(api)
    check(all(h.get("phone") != "0300 3038151" for h in items),
          "the pre-2021 Salvation Army number 0300 3038151 is in the default list")
    r = api.get("/v1/helplines/" + PRE2021)
    h = ok_json(r, "GET /v1/helplines/" + PRE2021)
    eq(h.get("slug"), PRE2021, "slug")
    eq(h.get("phone"), "0300 3038151", "pre-2021 phone")
    eq(h.get("confidence"), "uncertain", "pre-2021 confidence")
    eq(h.get("valid_to"), "2021-01-03", "pre-2021 valid_to")
    eq(h.get("url"), api.base + "/v1/helplines/" + PRE2021, "helpline url")


def test_helplines_current_salvation_army_number(api):
    h = ok_json(api.get("/v1/helplines/salvation-army-referral-helpline"), "GET salvation-army-referral-helpline")
    eq(h.get("phone"), "0800 808 3733", "Salvation Army referral helpline phone")
    eq(h.get("valid_from"), "2021-01-04", "Salvation Army valid_from")
    eq(h.get("phone_e164"), "+448008083733", "Salvation Army phone_e164")


def test_helplines_urgency_bogus_is_400_naming_urgency(api):
    problem(api.get("/v1/helplines?urgency=bogus"), 400, "urgency=bogus", field="urgency")
    problem(api.get("/v1/helplines?urgency=EMERGENCY"), 400, "urgency=EMERGENCY (case matters)", field="urgency")


def test_helplines_unknown_slug_is_404(api):
    problem(api.get("/v1/helplines/no-such-helpline"), 404, "unknown helpline slug")


def test_helplines_email_contact_has_no_phone(api):
    h = ok_json(api.get("/v1/helplines/iasc-office-email"), "GET iasc-office-email")
    eq(h.get("phone"), None, "email contact phone")
    eq(h.get("phone_e164"), None, "email contact phone_e164")
    eq(h.get("email"), "iasc@iasc.independent.gov.uk", "email contact email")
