"""Bad input: 400 problems naming the parameter, tampered cursors, unknown paths."""

import base64
import urllib.parse

from apilib import check, eq, ok_list, problem

LISTS = ["/v1/news", "/v1/publications", "/v1/helplines", "/v1/support-rates", "/v1/resources"]
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
B64STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _enc(s):
    return urllib.parse.quote(s, safe="")


def test_limit_out_of_range_or_not_a_number_is_400_naming_limit(api):
    for ep in LISTS + ["/v1/search?q=slavery"]:
        sep = "&" if "?" in ep else "?"
        for v in ("0", "101", "abc", "-1", "", "5x", "+5", "1.5", "1e2", "%205", "99999999999999999999"):
            problem(api.get(ep + sep + "limit=" + v), 400, "%s limit=%r" % (ep, v), field="limit",
                    ptype="invalid-parameter")


def test_limit_bounds_are_accepted(api):
    eq(len(ok_list(api.get("/v1/news?limit=1"), "limit=1")["data"]), 1, "limit=1 items")
    eq(len(ok_list(api.get("/v1/news?limit=100"), "limit=100")["data"]), 29, "limit=100 items")
    eq(len(ok_list(api.get("/v1/news?limit=05"), "limit=05")["data"]), 5, "limit=05 items")


def test_problem_has_type_title_status_detail_and_request_id(api):
    r = api.get("/v1/news?limit=0", headers={"X-Request-Id": "trace-limit-0"})
    js = problem(r, 400, "limit=0", field="limit")
    check(str(js["type"]).endswith("/problems/invalid-parameter"), "type %r", js["type"])
    eq(js.get("request_id"), "trace-limit-0", "problem request_id")
    eq(r.headers.get("cache-control"), "no-store", "Cache-Control on an error")


def test_unknown_parameter_is_400_naming_it(api):
    for ep in LISTS + ["/v1/search?q=slavery"]:
        sep = "&" if "?" in ep else "?"
        problem(api.get(ep + sep + "frobnicate=1"), 400, ep + " unknown parameter", field="frobnicate")
    problem(api.get("/v1/news?type=review"), 400, "news has no type filter", field="type")
    problem(api.get("/v1/helplines?q=slavery"), 400, "helplines have no q", field="q")
    problem(api.get("/v1/helplines?tag=x"), 400, "helplines have no tag", field="tag")
    problem(api.get("/v1/news/statutory-defence-review-published?frobnicate=1"), 400, "item unknown parameter",
            field="frobnicate")


def test_parameter_names_are_case_sensitive(api):
    problem(api.get("/v1/news?LIMIT=5"), 400, "LIMIT=5", field="LIMIT")


def test_repeated_parameter_is_400(api):
    problem(api.get("/v1/news?limit=5&limit=5"), 400, "limit twice", field="limit")
    problem(api.get("/v1/news?tag=media&tag=nca"), 400, "tag twice", field="tag")
    problem(api.get("/v1/helplines?jurisdiction=Scotland&jurisdiction=England"), 400, "jurisdiction twice",
            field="jurisdiction")


def test_empty_filter_value_is_400(api):
    problem(api.get("/v1/news?tag="), 400, "tag=", field="tag")
    problem(api.get("/v1/news?tag"), 400, "tag without =", field="tag")
    problem(api.get("/v1/helplines?jurisdiction="), 400, "jurisdiction=", field="jurisdiction")
    problem(api.get("/v1/news?cursor="), 400, "cursor=")


def test_invalid_utf8_is_400(api):
    problem(api.get("/v1/news?tag=%ff%fe"), 400, "tag=%ff%fe")
    problem(api.get("/v1/search?q=%c3%28"), 400, "q=%c3%28")
    problem(api.get("/v1/news?q=%ed%a0%80"), 400, "q with a UTF-16 surrogate")


def _first_cursor(api, path):
    js = ok_list(api.get(path), path)
    cur = js["next_cursor"]
    check(isinstance(cur, str) and cur, "%s should have a next_cursor", path)
    return cur


def _flip(cur):
    """Changes one significant character in the middle of the cursor."""
    for alpha in (B64URL, B64STD):
        if all(c in alpha + "=" for c in cur):
            for i in range(len(cur) // 2, len(cur)):
                if cur[i] in alpha:
                    c = alpha[alpha.index(cur[i]) ^ 32]  # flips the top bit of a 6-bit group
                    return cur[:i] + c + cur[i + 1:]
    i = len(cur) // 2
    return cur[:i] + ("A" if cur[i] != "A" else "B") + cur[i + 1:]


def test_news_list_rejects_tampered_cursor(api):
    cur = _first_cursor(api, "/v1/news?limit=5")
    flipped = _flip(cur)
    check(flipped != cur, "could not tamper with %r", cur)
    variants = {
        "one character flipped": flipped,
        "truncated": cur[:-3],
        "extended": cur + "AAAA",
        "garbage": "!!!not-a-cursor!!!",
        "base64 of junk": base64.urlsafe_b64encode(b"junk").decode(),
        "base64 of JSON": base64.urlsafe_b64encode(b'{"after":"2030-01-01","id":"x"}').decode(),
        "base64 of a long buffer": base64.urlsafe_b64encode(b"\x00" * 300).decode(),
        "non-ASCII": "caf\u00e9",
    }
    for what, c in variants.items():
        r = api.get("/v1/news?limit=5&cursor=" + _enc(c))
        problem(r, 400, "cursor %s (%r)" % (what, c[:60]), ptype="invalid-cursor")
    # an over-long cursor may be refused by a general length limit, but must name the cursor
    js = problem(api.get("/v1/news?limit=5&cursor=" + "A" * 5000), 400, "cursor of 5000 characters", field="cursor")
    check(str(js["type"]).endswith(("/problems/invalid-cursor", "/problems/invalid-parameter")), "type %r", js["type"])


def test_overlong_value_is_400_naming_the_parameter(api):
    problem(api.get("/v1/news?tag=" + "a" * 5000), 400, "tag of 5000 characters", field="tag")
    problem(api.get("/v1/search?q=" + "slavery%20" * 300), 400, "q of 3000 characters", field="q")


def test_cursor_from_another_endpoint_is_400(api):
    pub = _first_cursor(api, "/v1/publications?limit=2")
    problem(api.get("/v1/news?limit=2&cursor=" + _enc(pub)), 400, "publications cursor on /v1/news",
            ptype="invalid-cursor")
    news = _first_cursor(api, "/v1/news?limit=2")
    for ep in ("/v1/publications?limit=2", "/v1/resources?limit=2", "/v1/helplines?limit=2",
               "/v1/support-rates?history=true&limit=2", "/v1/search?q=slavery&limit=2"):
        problem(api.get(ep + "&cursor=" + _enc(news)), 400, "news cursor on " + ep, ptype="invalid-cursor")
    srch = _first_cursor(api, "/v1/search?q=slavery&limit=2")
    problem(api.get("/v1/news?limit=2&cursor=" + _enc(srch)), 400, "search cursor on /v1/news")


def test_cursor_from_ranked_query_is_not_a_date_cursor(api):
    ranked = _first_cursor(api, "/v1/news?q=slavery&limit=2")
    problem(api.get("/v1/news?limit=2&cursor=" + _enc(ranked)), 400, "q cursor on the date ordering")


def test_tampered_cursor_on_every_list(api):
    for ep in ("/v1/publications?limit=2", "/v1/resources?limit=2", "/v1/helplines?limit=2",
               "/v1/support-rates?history=true&limit=2", "/v1/search?q=slavery&limit=2"):
        cur = _first_cursor(api, ep)
        problem(api.get(ep + "&cursor=" + _enc(_flip(cur))), 400, "tampered cursor on " + ep)
        problem(api.get(ep + "&cursor=" + _enc("garbage")), 400, "garbage cursor on " + ep)


def test_unknown_path_is_404_problem(api):
    for p in ("/v1/nope", "/v1/news/", "/v1/news/x/y", "/v2/news", "/", "/v1", "/v1/", "/healthz/", "/V1/NEWS",
              "/v1/news%2f", "/v1/support-rates/", "/v1/search/"):
        r = api.get(p)
        problem(r, 404, "GET " + p, ptype="not-found")
        eq(r.headers.get("x-content-type-options"), "nosniff", "nosniff on 404 " + p)
        eq(r.headers.get("referrer-policy"), "no-referrer", "Referrer-Policy on 404 " + p)
