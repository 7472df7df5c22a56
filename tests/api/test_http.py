"""HTTP behaviour everywhere: methods, HEAD, OPTIONS, headers, content negotiation,
health and readiness (also with the database down)."""

import os
import re

from apilib import check, eq, ok_json, ok_list, problem, request

PATHS = ["/v1/news", "/v1/news/statutory-defence-review-published", "/v1/publications", "/v1/helplines",
         "/v1/support-rates", "/v1/resources", "/v1/search?q=slavery", "/v1/helplines/tara-scotland",
         "/v1/support-rates/vcc-asylum-supported-total-2018-cut", "/v1/resources/agency-glaa",
         "/v1/publications/annual-report-2019-2020"]
RID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _allow(r):
    return {m.strip().upper() for m in (r.headers.get("allow") or "").split(",") if m.strip()}


def test_post_and_delete_on_news_are_405_with_allow(api):
    # methods no route will ever take (writes are POST on collections, PUT/PATCH/DELETE on items)
    for method, path in (("DELETE", "/v1/news"), ("PUT", "/v1/news"), ("PATCH", "/v1/news"),
                         ("POST", "/v1/news/statutory-defence-review-published"), ("POST", "/v1/search"),
                         ("DELETE", "/v1/search"), ("POST", "/healthz"), ("DELETE", "/readyz"),
                         ("PUT", "/v1/helplines"), ("POST", "/v1/support-rates/vcc-catered-safe-house")):
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        hdrs = {"Content-Type": "application/json"} if body else None
        r = api.get(path, method=method, headers=hdrs, body=body)
        problem(r, 405, "%s %s" % (method, path), ptype="method-not-allowed")
        allow = _allow(r)
        check("GET" in allow, "%s %s: Allow %r lacks GET", method, path, r.headers.get("allow"))
        check(method not in allow, "%s %s: Allow %r lists the refused method", method, path, r.headers.get("allow"))


def test_writes_without_token_are_refused(api):
    """Before writes exist these are 405 (Allow without the method); once they exist, 401 with
    WWW-Authenticate: Bearer. Never a success without a token, and OPTIONS agrees."""
    slug = "statutory-defence-review-published"
    for method, path in (("POST", "/v1/news"), ("DELETE", "/v1/news/" + slug), ("PATCH", "/v1/news/" + slug),
                         ("PUT", "/v1/news/" + slug), ("POST", "/v1/helplines"), ("DELETE", "/v1/helplines/tara-scotland")):
        body = b'{"title":"x"}' if method in ("POST", "PUT", "PATCH") else None
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        r = api.get(path, method=method, headers={"Content-Type": ctype} if body else None, body=body)
        allowed = _allow(api.get(path, method="OPTIONS"))
        if method in allowed:
            problem(r, 401, "%s %s without a token (OPTIONS allows it)" % (method, path))
            check("bearer" in (r.headers.get("www-authenticate") or "").lower(),
                  "%s %s 401 lacks WWW-Authenticate: Bearer (%r)", method, path, r.headers.get("www-authenticate"))
        else:
            problem(r, 405, "%s %s (OPTIONS Allow %r)" % (method, path, sorted(allowed)))
    ok_json(api.get("/v1/news/" + slug), "item still there")


def test_unknown_method_is_not_a_success(api):
    r = api.get("/v1/news", method="FROB")
    check(r.status in (400, 405, 501), "FROB /v1/news: expected 405 (or 400/501), got %s", r.describe())


def test_head_matches_get_without_body(api):
    for p in PATHS + ["/v1/news?limit=2", "/v1/nope", "/healthz"]:
        g = api.get(p)
        h = api.get(p, method="HEAD")
        eq(h.status, g.status, "HEAD %s status" % p)
        eq(h.body, b"", "HEAD %s body" % p)
        for k in ("content-type", "cache-control", "link", "x-content-type-options", "referrer-policy", "allow"):
            eq(h.headers.get(k), g.headers.get(k), "HEAD %s header %s" % (p, k))
        if h.headers.get("content-length") is not None:
            eq(h.headers.get("content-length"), str(len(g.body)), "HEAD %s Content-Length (size of the GET body)" % p)
        skip = {"date", "x-request-id", "content-length", "transfer-encoding", "connection", "keep-alive"}
        eq(set(h.headers) - skip, set(g.headers) - skip, "HEAD %s header names" % p)


def test_options_answers_with_allow(api):
    for p in PATHS + ["/healthz", "/readyz"]:
        r = api.get(p, method="OPTIONS")
        check(r.status in (200, 204), "OPTIONS %s: expected 204/200, got %s", p, r.describe())
        allow = _allow(r)
        check({"GET", "HEAD", "OPTIONS"} <= allow, "OPTIONS %s: Allow %r", p, r.headers.get("allow"))
        for m in sorted(allow - {"GET", "HEAD", "OPTIONS"}):
            w = api.get(p, method=m, headers={"Content-Type": "application/json"}, body=b"{}")
            check(w.status != 405, "OPTIONS %s: Allow %r lists %s, which answers 405", p, r.headers.get("allow"), m)
            check(w.status == 401, "OPTIONS %s lists %s: without a token expected 401, got %s", p, m, w.describe())
        if r.status == 204:
            eq(r.body, b"", "OPTIONS 204 body")
    problem(api.get("/v1/nope", method="OPTIONS"), 404, "OPTIONS on an unknown path")


def test_request_id_echoed_when_sane(api):
    for rid in ("abc-123", "A.b_c:d-9", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"):
        r = api.get("/v1/news?limit=1", headers={"X-Request-Id": rid})
        eq(r.headers.get("x-request-id"), rid, "echoed X-Request-Id")
    r = api.get("/v1/nope", headers={"X-Request-Id": "trace-404"})
    eq(r.headers.get("x-request-id"), "trace-404", "X-Request-Id echoed on a 404")
    eq((r.json or {}).get("request_id"), "trace-404", "problem request_id on a 404")


def test_request_id_generated_when_absent_or_insane(api):
    ids = set()
    for _ in range(3):
        r = api.get("/v1/news?limit=1")
        rid = r.headers.get("x-request-id")
        check(rid and RID.match(rid), "generated X-Request-Id %r", rid)
        ids.add(rid)
    eq(len(ids), 3, "generated request ids are unique")
    for bad in ("has spaces in it", "x" * 129, "<script>", "a;b", "caf\u00e9".encode("utf-8"), "a\tb", ""):
        r = api.get("/v1/news?limit=1", headers={"X-Request-Id": bad})
        rid = r.headers.get("x-request-id")
        check(rid and RID.match(rid), "X-Request-Id for insane %r: %r", bad, rid)
        check(rid != bad and rid.encode() != bad, "insane X-Request-Id %r echoed", bad)
    # a header value cannot carry CRLF; an attempt to inject one ends the header: the server must not
    # reflect the injected line as a header of its own
    r = api.raw(b"GET /v1/news?limit=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\nX-Injected: 1\r\n"
                b"Connection: close\r\n\r\n")
    check("x-injected" not in r.headers, "request header reflected in the response")
    eq(r.headers.get("x-request-id"), "abc", "X-Request-Id over a raw request")
    r = api.raw(b"GET /v1/news?limit=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: ab\rcd\r\nConnection: close\r\n\r\n")
    check(r.status < 500, "bare CR in X-Request-Id: %s", r.describe())
    rid = r.headers.get("x-request-id")
    check(r.status == 400 or (rid and RID.match(rid)), "bare CR in X-Request-Id gave X-Request-Id %r", rid)


def test_security_headers_on_200_and_404(api):
    for p in ("/v1/news?limit=1", "/v1/nope", "/healthz", "/v1/news?limit=0", "/v1/news/no-such-item"):
        r = api.get(p)
        eq(r.headers.get("x-content-type-options"), "nosniff", "X-Content-Type-Options on %s (%d)" % (p, r.status))
        eq(r.headers.get("referrer-policy"), "no-referrer", "Referrer-Policy on %s (%d)" % (p, r.status))
        check(r.headers.get("cache-control"), "Cache-Control missing on %s (%d)", p, r.status)


def test_cache_control_public_on_200_no_store_on_errors(api):
    eq(api.get("/v1/news?limit=1").headers.get("cache-control"), "public, max-age=60, stale-while-revalidate=30",
       "Cache-Control on 200")
    eq(api.get("/v1/news/no-such").headers.get("cache-control"), "no-store", "Cache-Control on 404")
    eq(api.get("/v1/news?limit=abc").headers.get("cache-control"), "no-store", "Cache-Control on 400")


def test_accept_text_html_is_406(api):
    for acc in ("text/html", "text/html, application/xhtml+xml", "image/png", "application/xml"):
        problem(api.get("/v1/news", headers={"Accept": acc}), 406, "Accept: " + acc, ptype="not-acceptable")
    for acc in ("application/json", "*/*", "application/*", "text/html, */*;q=0.1", "application/problem+json",
                "application/json; charset=utf-8"):
        ok_list(api.get("/v1/news?limit=1", headers={"Accept": acc}), "Accept: " + acc)


def test_healthz_and_readyz(api):
    js = ok_json(api.get("/healthz"), "/healthz")
    eq(js, {"status": "ok"}, "/healthz body")
    js = ok_json(api.get("/readyz"), "/readyz")
    eq(js.get("status"), "ready", "/readyz status")


def test_json_content_type_and_utf8(api):
    r = api.get("/v1/resources/agency-glaa")
    ct = r.headers.get("content-type") or ""
    check(ct.startswith("application/json"), "Content-Type %r", ct)
    r.body.decode("utf-8")
    h = ok_json(api.get("/v1/news/icai-review-uk-aid-modern-slavery"), "news with a pound sign")
    check("\u00a3200 million" in (h.get("summary") or ""), "UTF-8 text mangled: %r", h.get("summary"))


def test_readyz_down_when_database_unreachable(api):
    srv = api.start_server({"DATABASE_URL": "postgresql:///x?host=/nonexistent-iasc-test&connect_timeout=2",
                            "IASC_LOG_LEVEL": "debug"},
                           os.path.join(api.workdir, "server-nodb.log"))
    err = srv.wait_healthy(15)
    check(err is None, "server without a database: %s\n--- its stderr ---\n%s", err, srv.log_text()[-2000:])
    r = request(srv.host, srv.port, "/healthz")
    eq(r.status, 200, "/healthz with the database down (%s)" % r.describe())
    r = request(srv.host, srv.port, "/readyz")
    problem(r, 503, "/readyz with the database down", ptype="unavailable")
    check((r.headers.get("retry-after") or "").isdigit(), "/readyz 503 Retry-After %r", r.headers.get("retry-after"))
    for p in ("/v1/news", "/v1/helplines", "/v1/search?q=slavery", "/v1/news/statutory-defence-review-published"):
        r = request(srv.host, srv.port, p)
        problem(r, 503, p + " with the database down", ptype="unavailable")
        check((r.headers.get("retry-after") or "").isdigit(), "%s 503 Retry-After %r", p, r.headers.get("retry-after"))
    # bad input is still a 400, and unknown paths a 404, without a database
    problem(request(srv.host, srv.port, "/v1/nope"), 404, "unknown path with the database down")
    msg = srv.stop(10)
    check(msg is None, "server without a database: %s", msg)


def test_an_invalid_host_is_400_and_a_valid_one_builds_the_urls(api):
    for host in ["[::1", "[zz]", "exa mple.org", "a:b:c", "example.org:123456", "example.org:",
                 "[::1]x", "bad/host"]:
        r = api.get("/v1/news?limit=1", headers={"Host": host})
        problem(r, 400, "Host %r" % host, field="Host")
    for host, base in [("[::1]:8080", "http://[::1]:8080"), ("api.example.org", "http://api.example.org"),
                       ("127.0.0.1:9", "http://127.0.0.1:9")]:
        r = api.get("/v1/news?limit=1", headers={"Host": host})
        eq(r.status, 200, "Host %r (%s)" % (host, r.describe()))
        check(r.json["data"][0]["url"].startswith(base + "/v1/news/"), "url %r for Host %r",
              r.json["data"][0]["url"], host)
