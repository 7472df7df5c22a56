"""/v1/support-rates: money paid to victims, by date."""

import re

from apilib import check, eq, ok_json, problem, all_items
import expected

CAT = "adult_also_receiving_asylum_support_total"
EW = "England%20and%20Wales"


def _rates(api, query):
    return all_items(api, "/v1/support-rates" + query, "GET /v1/support-rates" + query)


def _asylum_total_on(api, day):
    items = _rates(api, "?category=%s&jurisdiction=%s&on=%s" % (CAT, EW, day))
    check(len(items) == 1, "on=%s: expected one %s rate in force, got %r", day, CAT,
          [(r.get("id"), r.get("amount_pence")) for r in items])
    return items[0]


def test_support_rates_2018_cut_in_force_on_2018_06_01(api):
    r = _asylum_total_on(api, "2018-06-01")
    eq(r.get("amount_pence"), 3775, "amount_pence on 2018-06-01 (the 2018 cut)")
    eq(r.get("id"), "vcc-asylum-supported-total-2018-cut", "id")
    eq(r.get("jurisdiction"), "England and Wales", "jurisdiction")


def test_support_rates_reinstated_on_2019_01_01(api):
    r = _asylum_total_on(api, "2019-01-01")
    eq(r.get("amount_pence"), 6500, "amount_pence on 2019-01-01 (restored after K and AM)")
    eq(r.get("id"), "vcc-asylum-supported-total-reinstated", "id")


def test_support_rates_before_cut_on_2018_01_15(api):
    r = _asylum_total_on(api, "2018-01-15")
    eq(r.get("amount_pence"), 6500, "amount_pence on 2018-01-15 (before the cut)")
    eq(r.get("id"), "vcc-asylum-supported-total-to-2018-02", "id")


def test_support_rates_boundaries_are_inclusive(api):
    eq(_asylum_total_on(api, "2018-02-28").get("amount_pence"), 6500, "last day before the cut")
    eq(_asylum_total_on(api, "2018-03-01").get("amount_pence"), 3775, "first day of the cut")
    eq(_asylum_total_on(api, "2018-11-07").get("amount_pence"), 3775, "last day of the cut")
    eq(_asylum_total_on(api, "2018-11-08").get("amount_pence"), 6500, "K and AM: restored")


def test_support_rates_history_returns_all_periods_in_order(api):
    items = _rates(api, "?category=%s&jurisdiction=%s&history=true" % (CAT, EW))
    eq([r.get("id") for r in items],
       ["vcc-asylum-supported-total-to-2018-02", "vcc-asylum-supported-total-2018-cut",
        "vcc-asylum-supported-total-reinstated"], "history=true periods (effective_from order, unknown first)")
    eq([r.get("amount_pence") for r in items], [6500, 3775, 6500], "amounts over history")
    eq([r.get("effective_from") for r in items], [None, "2018-03-01", "2018-11-08"], "effective_from")
    eq([r.get("effective_to") for r in items], ["2018-02-28", "2018-11-07", "2020-08-27"], "effective_to")


def test_support_rates_history_all_rows(api):
    items = _rates(api, "?history=true&limit=100")
    eq({r["id"] for r in items}, set(expected.SUPPORT_RATES), "every rate with history=true")
    keys = [(r["jurisdiction"], r["category"]) for r in items]
    eq(keys, sorted(keys), "order by jurisdiction, category")


def test_support_rates_jurisdiction_filter_is_exact(api):
    items = _rates(api, "?jurisdiction=%s&history=true&limit=100" % EW)
    check(items, "no England and Wales rates")
    bad = [(r["id"], r["jurisdiction"]) for r in items if r.get("jurisdiction") != "England and Wales"]
    eq(bad, [], "rows of other jurisdictions under jurisdiction=England and Wales")
    eq({r["id"] for r in items}, {k for k, v in expected.SUPPORT_RATES.items() if v[0] == "England and Wales"},
       "England and Wales rates")
    uk = _rates(api, "?jurisdiction=United%20Kingdom&history=true&limit=100")
    check(uk and all(r["jurisdiction"] == "United Kingdom" for r in uk), "jurisdiction=United Kingdom rows")
    eq(_rates(api, "?jurisdiction=Scotland&history=true"), [], "no published rates for Scotland")
    eq(_rates(api, "?jurisdiction=england%20and%20wales&history=true"), [], "jurisdiction is exact (case)")


def test_support_rates_item_by_id(api):
    rid = "vcc-asylum-supported-total-2018-cut"
    r = api.get("/v1/support-rates/" + rid)
    js = ok_json(r, "GET /v1/support-rates/" + rid)
    eq(js.get("id"), rid, "id")
    eq(js.get("amount_pence"), 3775, "amount_pence")
    eq(js.get("currency"), "GBP", "currency")
    eq(js.get("period"), "week", "period")
    eq(js.get("effective_from"), "2018-03-01", "effective_from")
    eq(js.get("effective_to"), "2018-11-07", "effective_to")
    eq(js.get("url"), api.base + "/v1/support-rates/" + rid, "url")
    for f in ("title", "description", "jurisdiction", "category", "source_url", "notes"):
        check(f in js, "support rate lacks %r", f)
    check(isinstance(js.get("title"), str) and js["title"], "support rate needs a title")
    check(isinstance(js.get("description"), str) and js["description"], "support rate needs a description")


def test_support_rates_amount_pence_is_an_integer(api):
    r = api.get("/v1/support-rates/vcc-asylum-supported-total-2018-cut")
    js = ok_json(r, "GET rate")
    check(type(js.get("amount_pence")) is int, "amount_pence is %r (%s), not an integer",
          js.get("amount_pence"), type(js.get("amount_pence")).__name__)
    check(re.search(rb'"amount_pence"\s*:\s*3775\s*[,}]', r.body), "amount_pence not written as a JSON integer: %r",
          r.body[:300])
    for x in _rates(api, "?history=true&limit=100"):
        check(type(x.get("amount_pence")) is int, "%s amount_pence %r", x.get("id"), x.get("amount_pence"))
        eq(x["amount_pence"], expected.SUPPORT_RATES[x["id"]][2], "amount_pence of " + x["id"])


def test_support_rates_maternity_grant_is_one_off(api):
    js = ok_json(api.get("/v1/support-rates/vcc-maternity-grant-from-2020-07"), "GET maternity grant")
    eq(js.get("period"), "one_off", "maternity grant period")
    eq(js.get("amount_pence"), 30000, "maternity grant amount")


def test_support_rates_superseded_chain_ends_force(api):
    # asylum-s95-from-2021-02-22 is open-ended but superseded by asylum-s95-2022 (start unknown), then by
    # the 2022-12-21 interim rate: out of force from 2022-12-21.
    ids = {r["id"] for r in _rates(api, "?jurisdiction=United%20Kingdom&category=asylum_support_standard_weekly&on=2023-01-10")}
    check("asylum-s95-from-2021-02-22" not in ids, "superseded 2021 rate still in force on 2023-01-10: %r", ids)
    check("asylum-s95-interim-2022-12-21" in ids, "2022-12-21 rate not in force on 2023-01-10: %r", ids)
    ids = {r["id"] for r in _rates(api, "?jurisdiction=United%20Kingdom&category=asylum_support_standard_weekly&on=2021-06-01")}
    check("asylum-s95-from-2021-02-22" in ids, "2021 rate not in force on 2021-06-01: %r", ids)
    check("asylum-s95-from-2020-06-15" not in ids, "2020 rate still in force on 2021-06-01: %r", ids)


def test_support_rates_default_on_is_today(api):
    items = _rates(api, "?category=%s&jurisdiction=%s" % (CAT, EW))
    eq(items, [], "asylum-supported total (ended 2020-08-27) in force today")
    ids = {r["id"] for r in _rates(api, "?jurisdiction=%s&category=vcc_top_up_for_adult_in_asylum_accommodation" % EW)}
    eq(ids, {"vcc-top-up-asylum-accommodation-from-2020-08-28"}, "open-ended top-up in force today")


def test_support_rates_invalid_on_is_400(api):
    for v in ("2018-02-30", "2018-13-01", "2018-6-1", "today", "2018-06-01T00:00:00Z"):
        problem(api.get("/v1/support-rates?on=" + v), 400, "on=" + v, field="on")


def test_support_rates_on_with_history_is_400(api):
    problem(api.get("/v1/support-rates?on=2018-06-01&history=true"), 400, "on + history=true")


def test_support_rates_history_must_be_boolean(api):
    for v in ("yes", "1", "TRUE", ""):
        problem(api.get("/v1/support-rates?history=" + v), 400, "history=" + v, field="history")
    items = _rates(api, "?history=false&category=%s&jurisdiction=%s&on=2018-06-01" % (CAT, EW))
    eq([r["amount_pence"] for r in items], [3775], "history=false with on")


def test_support_rates_unknown_id_is_404(api):
    problem(api.get("/v1/support-rates/no-such-rate"), 404, "unknown support rate id")
