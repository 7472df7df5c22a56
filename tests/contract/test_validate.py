#!/usr/bin/env python3
"""Self-test of tests/contract/validate.py: synthetic recorded responses, each built from a
real answer of the server and changed in one way, against the project's openapi.yaml. A
conforming answer must pass; an undeclared field, a wrong type, an undeclared status or
media type, a missing required header, a body where none belongs, ... must each fail, with
the JSON pointer or header named.

    /usr/bin/python3 tests/contract/test_validate.py

Prints `ok NAME` or `FAIL NAME: why` per case and ends with `N passed, N failed`.
"""

import base64
import copy
import gzip
import json
import os
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import validate  # noqa: E402

CONTRACT = validate.Contract(os.path.join(REPO, "openapi.yaml"))
BASE = "http://127.0.0.1:8080"

COMMON = [
    ("Cache-Control", "public, max-age=60, stale-while-revalidate=30"),
    ("X-Request-Id", "9d419ca19621fdafbdc4514a"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
READ = [("ETag", '"3c95f3aff3-2"'), ("Last-Modified", "Tue, 08 Dec 2026 00:19:03 GMT"),
        ("Vary", "Accept-Encoding")]

NEWS = {
    "id": "bf5169b7-3ee5-bc45-1111-fd528423822c", "slug": "statutory-defence-review-published",
    "title": "The Modern Slavery Act 2015 statutory defence: call for evidence review published",
    "summary": "Review of how the section 45 statutory defence is used.",
    "published_at": "2020-10-07T23:00:00Z", "published_approx": None, "published_at_confidence": "confirmed",
    "tags": ["statutory-defence", "criminal-justice", "review"],
    "source_url": "http://www.antislaverycommissioner.co.uk/news-insights/statutory-defence/",
    "related_urls": [], "source_note": "Date from the seed page.", "status": "published",
    "created_at": "2026-12-08T00:19:02.014419Z", "updated_at": "2026-12-08T00:19:02.070805Z",
    "url": BASE + "/v1/news/statutory-defence-review-published",
}
NEWS_DETAIL = dict(NEWS, body_markdown="Review of *how*.", body_html="<p>Review of <em>how</em>.</p>\n")
RATE = {
    "id": "vcc-asylum-supported-total-2018-cut", "slug": "vcc-asylum-supported-total-2018-cut",
    "title": "Victim Care Contract: total for an adult also on asylum support",
    "description": "Total weekly cash.", "jurisdiction": "England and Wales", "scheme": "Victim Care Contract",
    "category": "adult_also_receiving_asylum_support_total", "amount_pence": 3775, "currency": "GBP",
    "period": "week", "effective_from": "2018-03-01", "effective_to": "2018-11-07",
    "superseded_by": "vcc-asylum-supported-total-reinstated", "attested_on": [], "published_at": None,
    "source_url": "https://caselaw.nationalarchives.gov.uk/ewhc/admin/2018/2951",
    "additional_source_urls": [], "notes": None, "confidence": "confirmed", "status": "published",
    "created_at": "2026-12-08T00:19:02.051032Z", "updated_at": "2026-12-08T00:19:02.051032Z",
    "url": BASE + "/v1/support-rates/vcc-asylum-supported-total-2018-cut",
}
TOMBSTONE = {"id": "edcfe9d3-d90a-4903-967b-80dede1eeb3b", "slug": "zz-gone", "deleted": True,
             "updated_at": "2026-12-08T00:19:17.875202Z"}
PROBLEM = {"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "No such item.",
           "request_id": "9d419ca19621fdafbdc4514a"}
FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "Independent Anti-Slavery Commissioner: news",
    "home_page_url": "https://www.antislaverycommissioner.co.uk/", "feed_url": BASE + "/v1/feeds/news.json",
    "description": "From the office of the UK Independent Anti-Slavery Commissioner.",
    "authors": [{"name": "Independent Anti-Slavery Commissioner"}],
    "items": [{"id": "urn:uuid:bf5169b7-3ee5-bc45-1111-fd528423822c", "url": NEWS["url"], "title": NEWS["title"],
               "content_html": "<p>x</p>", "date_published": "2020-10-07T23:00:00Z",
               "date_modified": "2026-12-08T00:19:02Z", "tags": ["review"]}],
}


def rec(method, target, status, body=None, headers=None, ctype="application/json", common=True, gz=False,
        test="test_synthetic"):
    """A recorded exchange as apilib.record_exchange writes it."""
    hdrs = list(COMMON) if common else []
    if headers:
        names = {k.lower() for k, _ in headers}
        hdrs = [(k, v) for k, v in hdrs if k.lower() not in names] + list(headers)
    raw = b""
    if body is not None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if ctype:
            hdrs.append(("Content-Type", ctype))
    if gz:
        raw = gzip.compress(raw)
        hdrs.append(("Content-Encoding", "gzip"))
    return {"test": test, "method": method, "target": target, "request_headers": [], "status": status,
            "headers": [[k, v] for k, v in hdrs], "body_b64": base64.b64encode(raw).decode(), "complete": True}


def violations(r):
    kind, result = CONTRACT.check(r)
    assert kind == "checked", "expected the response to be checked, it was %s (%s)" % (kind, result)
    return [str(v) for v in result]


def passes(r):
    v = violations(r)
    assert not v, "expected no violation, got:\n  " + "\n  ".join(v)


def fails(r, *expected):
    """Asserts a violation whose text contains each of expected (e.g. a pointer and a word)."""
    v = violations(r)
    assert v, "expected a violation, got none"
    assert any(all(e in x for e in expected) for x in v), \
        "expected a violation mentioning %r, got:\n  %s" % (expected, "\n  ".join(v))


def news_list(items):
    return rec("GET", "/v1/news?limit=2", 200, {"data": items, "next_cursor": None}, READ)


# ---------------------------------------------------------------- bodies

def test_a_real_news_list_passes():
    passes(news_list([NEWS, TOMBSTONE]))


def test_an_undeclared_field_in_a_list_item_fails():
    fails(news_list([dict(NEWS, internal_score=3)]), "/data/0", "internal_score")


def test_an_undeclared_field_in_the_list_envelope_fails():
    r = rec("GET", "/v1/news", 200, {"data": [], "next_cursor": None, "total": 0}, READ)
    fails(r, "total")


def test_an_undeclared_field_in_an_item_composed_with_allof_fails():
    passes(rec("GET", "/v1/news/" + NEWS["slug"], 200, NEWS_DETAIL, READ))
    fails(rec("GET", "/v1/news/" + NEWS["slug"], 200, dict(NEWS_DETAIL, version=2), READ), "version")


def test_a_list_item_with_the_detail_body_fails():
    fails(news_list([NEWS_DETAIL]), "/data/0", "body_markdown")


def test_a_wrong_type_fails_with_its_pointer():
    r = rec("GET", "/v1/support-rates/" + RATE["id"], 200, dict(RATE, amount_pence="37.75"), READ)
    fails(r, "/amount_pence", "is not of type 'integer'")
    r = rec("GET", "/v1/support-rates/" + RATE["id"], 200, dict(RATE, amount_pence=37.75), READ)
    fails(r, "/amount_pence", "is not of type 'integer'")


def test_a_missing_field_and_a_null_where_none_is_allowed_fail():
    item = dict(RATE)
    del item["currency"]
    fails(rec("GET", "/v1/support-rates/x", 200, item, READ), "'currency' is a required property")
    fails(rec("GET", "/v1/support-rates/x", 200, dict(RATE, title=None), READ), "/title", "None")


def test_an_undeclared_field_in_a_tombstone_fails():
    fails(news_list([dict(TOMBSTONE, title="x")]), "/data/0", "title")


def test_formats_are_checked():
    fails(rec("GET", "/v1/news/x", 200, dict(NEWS_DETAIL, id="not-a-uuid"), READ), "/id", "uuid")
    fails(rec("GET", "/v1/news/x", 200, dict(NEWS_DETAIL, url="http://[::1/v1/news/x"), READ), "/url", "uri")
    feed = copy.deepcopy(FEED)
    passes(rec("GET", "/v1/feeds/news.json", 200, feed, READ, ctype="application/feed+json; charset=utf-8"))
    for bad in ("2026-12-08 00:19:02", "2026-12-08T00:19:02+25:00", "2026-13-08T00:19:02Z",
                "\u0662026-12-08T00:19:02Z"):
        feed["items"][0]["date_modified"] = bad
        fails(rec("GET", "/v1/feeds/news.json", 200, feed, READ, ctype="application/feed+json; charset=utf-8"),
              "/items/0/date_modified", "date-time")
    for good in ("2026-12-08T00:19:02Z", "2026-12-08T00:19:02.5+01:00", "2016-12-31T23:59:60Z"):
        feed["items"][0]["date_modified"] = good
        passes(rec("GET", "/v1/feeds/news.json", 200, feed, READ, ctype="application/feed+json; charset=utf-8"))


def problem_rec(body, status=404):
    return rec("GET", "/v1/news/nope", status, body, [("Cache-Control", "no-store")],
               ctype="application/problem+json")


def test_problem_bodies_are_closed_and_repeat_status_and_request_id():
    passes(problem_rec(PROBLEM))
    fails(problem_rec(dict(PROBLEM, errors=[{"field": "slug", "message": "x", "code": 7}])), "/errors/0", "code")
    fails(problem_rec(dict(PROBLEM, instance="/v1/news/nope")), "instance")
    fails(problem_rec(dict(PROBLEM, status=400)), "/status")
    fails(problem_rec(dict(PROBLEM, request_id="other")), "/request_id")


def test_audit_rows_are_closed():
    row = {"id": TOMBSTONE["id"], "slug": "zz", "title": "t", "summary": None, "body_markdown": None,
           "body_html": None, "published_at": "2026-12-08T00:19:17+00:00", "published_approx": None,
           "published_at_confidence": None, "source_url": None, "related_urls": [], "source_note": None,
           "tags": [], "in_seed": False, "status": "published", "version": 1,
           "created_at": "2026-12-08T00:19:17.867196+00:00", "updated_at": "2026-12-08T00:19:17.867196+00:00",
           "deleted_at": None, "public_slug": "zz"}
    entry = {"id": 1, "at": "2026-12-08T00:19:17.875851Z", "token_id": "6c30cef5-be30-4b44-a041-bc69b56059ae",
             "token_name": "admin", "action": "update", "type": "news", "item_id": row["id"], "item_slug": "zz",
             "item_url": BASE + "/v1/news/zz", "before": row, "after": dict(row, version=2)}
    ok = rec("GET", "/v1/audit", 200, {"data": [entry], "next_cursor": None},
             READ + [("Cache-Control", "private, no-store")])
    passes(ok)
    entry["after"] = dict(row, search="'x':1")
    bad = rec("GET", "/v1/audit", 200, {"data": [entry], "next_cursor": None},
              READ + [("Cache-Control", "private, no-store")])
    fails(bad, "/data/0/after", "search")


# ---------------------------------------------------------------- status, media type, headers

def test_an_undeclared_status_fails():
    fails(rec("GET", "/healthz", 418, PROBLEM, ctype="application/problem+json"), "status 418 is not declared")


def test_an_undeclared_media_type_fails():
    fails(rec("GET", "/v1/news", 200, b"<html></html>", READ, ctype="text/html"), "Content-Type", "text/html")
    fails(rec("GET", "/v1/feeds/news.atom", 200, b"<feed/>", READ, ctype="application/atom+xml"),
          "Content-Type")  # the declared type carries charset=utf-8


def test_a_body_that_is_not_json_fails():
    fails(rec("GET", "/v1/news", 200, b"{\"data\": [", READ), "not JSON")


def test_required_headers_must_be_present():
    fails(rec("GET", "/v1/news", 200, {"data": [], "next_cursor": None}, READ[1:]), "header ETag", "absent")
    fails(rec("POST", "/v1/news", 201, NEWS_DETAIL, [("Cache-Control", "private, no-store"), READ[0]]),
          "header Location", "absent")
    fails(rec("GET", "/v1/audit", 401, dict(PROBLEM, status=401, type="/problems/unauthorized"),
              ctype="application/problem+json", headers=[("Cache-Control", "no-store")]),
          "header WWW-Authenticate", "absent")
    fails(rec("GET", "/v1/news", 503, dict(PROBLEM, status=503, type="/problems/unavailable"),
              ctype="application/problem+json", headers=[("Cache-Control", "no-store")]),
          "header Retry-After", "absent")
    fails(rec("GET", "/v1/news", 200, {"data": [], "next_cursor": None}, READ, common=False),
          "header X-Request-Id", "absent")


def test_header_values_are_checked_against_their_schemas():
    fails(rec("GET", "/v1/news", 200, {"data": [], "next_cursor": None}, READ + [("ETag", 'W/"abc"')]),
          "header ETag")
    fails(rec("GET", "/v1/news", 503, dict(PROBLEM, status=503, type="/problems/unavailable"),
              ctype="application/problem+json", headers=[("Cache-Control", "no-store"), ("Retry-After", "soon")]),
          "header Retry-After")


def test_405_and_options_must_allow_exactly_the_paths_methods():
    body = dict(PROBLEM, status=405, type="/problems/method-not-allowed")
    ok = [("Cache-Control", "no-store"), ("Allow", "GET, HEAD, POST, OPTIONS")]
    passes(rec("DELETE", "/v1/news", 405, body, ok, ctype="application/problem+json"))
    fails(rec("DELETE", "/v1/news", 405, body, [("Cache-Control", "no-store")], ctype="application/problem+json"),
          "header Allow", "absent")
    fails(rec("DELETE", "/v1/news", 405, body, [("Cache-Control", "no-store"), ("Allow", "GET, HEAD, OPTIONS")],
              ctype="application/problem+json"), "header Allow", "POST")
    passes(rec("OPTIONS", "/v1/news/x", 204, None, [("Cache-Control", "no-store"),
                                                    ("Allow", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS")]))
    fails(rec("OPTIONS", "/v1/news/x", 204, None, [("Cache-Control", "no-store"), ("Allow", "GET, HEAD, OPTIONS")]),
          "header Allow")
    fails(rec("OPTIONS", "/v1/news/x", 200, {"methods": []}, [("Allow", "GET")]), "status 200 is not declared")


def test_unknown_paths_must_be_404():
    passes(rec("GET", "/v1/nope", 404, PROBLEM, [("Cache-Control", "no-store")], ctype="application/problem+json"))
    passes(rec("GET", "/v1/%70ublications/x", 404, PROBLEM, [("Cache-Control", "no-store")],
               ctype="application/problem+json"))  # %70 is "p": a declared path
    fails(rec("GET", "/v1/nope", 200, {"data": [], "next_cursor": None}, READ), "status 200 is not declared")


def test_head_is_checked_as_get_without_a_body():
    passes(rec("HEAD", "/v1/news", 200, None, READ + [("Content-Type", "application/json")]))
    fails(rec("HEAD", "/v1/news", 200, {"data": [], "next_cursor": None}, READ), "HEAD answered with a body")
    fails(rec("HEAD", "/v1/news", 200, None, READ[1:] + [("Content-Type", "application/json")]), "header ETag")


def test_no_content_responses_have_no_body():
    passes(rec("GET", "/v1/news", 304, None, READ))
    fails(rec("GET", "/v1/news", 304, {"data": []}, READ), "a body")
    passes(rec("DELETE", "/v1/news/x", 204, None, [("Cache-Control", "private, no-store")]))


def test_gzip_bodies_are_decoded_and_checked():
    gz = [("ETag", '"3c95f3aff3-2-gz"')] + READ[1:]
    passes(rec("GET", "/v1/news", 200, {"data": [NEWS], "next_cursor": None}, gz, gz=True))
    fails(rec("GET", "/v1/news", 200, {"data": [dict(NEWS, extra=1)], "next_cursor": None}, gz, gz=True),
          "/data/0", "extra")
    r = rec("GET", "/v1/news", 200, {"data": [], "next_cursor": None}, gz)
    r["headers"].append(["Content-Encoding", "gzip"])
    fails(r, "header Content-Encoding", "does not decode")


def test_an_incomplete_body_fails():
    r = news_list([NEWS])
    r["complete"] = False
    fails(r, "ended before its Content-Length")


def test_only_libmicrohttpds_own_refusals_are_skipped():
    mhd = rec("GET", "/v1/news", 431, b"<html><head><title>Request too big</title></head></html>", common=False,
              ctype=None)
    assert CONTRACT.check(mhd)[0] == "skipped", "libmicrohttpd's 431 was not skipped"
    ours = rec("GET", "/v1/news", 431, dict(PROBLEM, status=431), ctype="application/problem+json")
    fails(ours, "status 431 is not declared")  # it has our X-Request-Id: it is checked
    other = rec("GET", "/v1/news", 500, b"oops", common=False, ctype=None)
    assert CONTRACT.check(other)[0] == "checked", "a 500 without X-Request-Id was skipped"


# ---------------------------------------------------------------- the suite's verdict

def test_known_defects_explain_only_their_violation_and_go_stale():
    entry = {"id": "d", "test": "test_synthetic", "method": "GET", "path": "^/v1/news$", "status": 200,
             "violation": "internal_score", "why": "x"}
    bad = news_list([dict(NEWS, internal_score=3)])
    v = validate.judge(CONTRACT, [("r:1", bad)], [entry])
    assert (v.passed, v.failed, v.known) == (0, 0, 1), (v.passed, v.failed, v.known, v.lines)
    worse = news_list([dict(NEWS, internal_score=3, id=5)])
    v = validate.judge(CONTRACT, [("r:1", worse)], [entry])
    assert v.failed == 1 and v.known == 0, v.lines
    v = validate.judge(CONTRACT, [("r:1", news_list([NEWS]))], [entry])
    assert (v.passed, v.failed) == (1, 1) and any("no longer appears" in x for x in v.lines), v.lines
    other_test = dict(news_list([NEWS]), test="test_other")
    v = validate.judge(CONTRACT, [("r:1", other_test)], [entry])
    assert (v.passed, v.failed) == (1, 0), v.lines  # its test did not run: not stale


def test_the_command_fails_on_a_recording_with_a_violation_and_prints_it():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "rec.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps(news_list([NEWS])) + "\n")
            f.write(json.dumps(news_list([dict(NEWS, internal_score=3)])) + "\n")
        out = os.path.join(d, "out.txt")
        with open(out, "w") as f:
            old = sys.stdout
            sys.stdout = f
            try:
                rc = validate.main([path])
            finally:
                sys.stdout = old
        with open(out) as f:
            text = f.read()
    assert rc == 1, "exit status %r" % rc
    assert text.rstrip().splitlines()[-1] == "1 passed, 1 failed", text
    assert "FAIL GET /v1/news?limit=2 -> 200 application/json (test_synthetic, rec.jsonl:2)" in text, text
    assert "/data/0" in text and "internal_score" in text, text


def test_the_contracts_own_examples_validate():
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            if "schema" in node and "example" in node:
                for v in validate._schema_errors(CONTRACT.validator(node["schema"]), node["example"]):
                    bad.append("%s: %s" % (where, v))
            for k, v in node.items():
                walk(v, where + "/" + str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(CONTRACT.doc, "")
    assert not bad, "\n  ".join(bad)


def main():
    cases = [(n, f) for n, f in sorted(globals().items(), key=lambda kv: getattr(kv[1], "__code__", None)
                                       and kv[1].__code__.co_firstlineno or 0)
             if n.startswith("test_") and callable(f)]
    passed = failed = 0
    for name, fn in cases:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every kind of failure is a failed case
            failed += 1
            msg = str(e) if isinstance(e, AssertionError) else traceback.format_exc(limit=3)
            print("FAIL %s: %s" % (name, msg))
            continue
        passed += 1
        print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
