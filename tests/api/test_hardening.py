"""Hardening (the contract's "Hardening" section) seen through HTTP: bodies decided from
their headers, a Host allow-list, values PostgreSQL would refuse, writers-only drafts, and
what the log may say."""

import os
import socket
import time

from apilib import check, eq, problem, record_raw, request, shared_token


def _raw(api, data, wait=3.0):
    """Sends raw bytes; returns (what came back, whether the server closed)."""
    s = socket.create_connection((api.host, api.port), timeout=wait)
    s.sendall(data)
    out, closed = b"", False
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    record_raw(data, out)
    return out, closed


def test_expect_100_continue_gets_the_refusal_before_the_body(api):
    tok = shared_token(api, "admin")
    head = ("POST /v1/news HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Authorization: Bearer %s\r\nContent-Length: 50\r\n" % tok)
    # 415: the type is wrong; the body is never asked for (no 100 Continue)
    out, _ = _raw(api, (head + "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode())
    check(out.startswith(b"HTTP/1.1 415"), "form body under Expect: %r", out[:60])
    check(b"100 Continue" not in out, "100 Continue sent before a 415")
    # 401: no token, without the body
    out, _ = _raw(api, b"POST /v1/news HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 401"), "no token under Expect: %r", out[:60])
    # 401: a bad token is looked up before the body too
    out, _ = _raw(api, b"POST /v1/news HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                       b"Authorization: Bearer iasc_nope\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 50\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 401"), "bad token under Expect: %r", out[:60])
    # 413 from Content-Length alone
    out, _ = _raw(api, (head.replace("Content-Length: 50", "Content-Length: 999999999")
                        + "Content-Type: application/json\r\n\r\n").encode())
    check(out.startswith(b"HTTP/1.1 413"), "a huge Content-Length under Expect: %r", out[:60])
    # a good one is told to go on
    out, _ = _raw(api, (head + "Content-Type: application/json\r\n\r\n").encode(), wait=1.0)
    check(out.startswith(b"HTTP/1.1 100 Continue"), "a good request under Expect: %r", out[:60])


def test_form_and_multipart_bodies_are_415_with_any_boundary(api):
    tok = shared_token(api, "admin")
    for ct in ("application/x-www-form-urlencoded", "multipart/form-data",
               "multipart/form-data; boundary=a", "multipart/form-data; boundary=xyz123", "text/plain"):
        r = api.send("POST", "/v1/news", token=tok, raw_body=b"a=1&b=2", content_type=ct)
        problem(r, 415, "POST as %r" % ct, ptype="unsupported-media-type")


def test_conflicting_framing_is_400_and_closes(api):
    for raw in (b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"):
        out, closed = _raw(api, raw)
        check(out.startswith(b"HTTP/1.1 400"), "conflicting framing: %r", out[:60])
        check(closed, "the connection stayed open after conflicting framing")


def test_allowed_hosts_answer_421_to_any_other_host(api):
    srv = api.start_server({"DATABASE_URL": api.database_url,
                            "IASC_ALLOWED_HOSTS": "api.example.org,other.example.org:8443"},
                           os.path.join(api.workdir, "server-hosts.log"))
    # the port is only known now: the health check below uses Host api.example.org
    deadline = time.time() + 15
    r = None
    while time.time() < deadline:
        try:
            r = request(srv.host, srv.port, "/healthz", headers={"Host": "api.example.org"}, timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    check(r is not None and r.status == 200, "allowed Host: %s", r and r.describe())
    r = request(srv.host, srv.port, "/v1/news?limit=1", headers={"Host": "evil.example"})
    problem(r, 421, "another Host", ptype="misdirected-request")
    r = request(srv.host, srv.port, "/v1/news?limit=1", headers={"Host": "API.EXAMPLE.ORG"})
    eq(r.status, 200, "the allowed Host in capitals")
    check(srv.stop(10) is None, "server with IASC_ALLOWED_HOSTS did not stop")


def test_values_postgresql_refuses_are_400_never_500(api):
    for q in ("updated_since=2024-01-01T00:00:00%2B16:00", "updated_since=2024-01-01T00:00:00-23:59"):
        r = api.get("/v1/helplines?" + q)
        problem(r, 400, "GET /v1/helplines?" + q, field="updated_since")
    r = api.get("/v1/news?updated_since=2024-01-01T00:00:00%2B15:59")
    eq(r.status, 200, "the largest offset PostgreSQL takes")
    tok = shared_token(api, "admin")
    r = api.send("PATCH", "/v1/news/times-red-box-op-ed-november-2021", token=tok,
                 json_body={"summary": "x"}, headers={"If-Match": b'"\xff\xfe"'.decode("latin-1")})
    check(r.status in (412, 428), "If-Match with bytes that are not UTF-8: %s", r.describe())


def test_drafts_need_the_collections_write_scope(api):
    news_writer = shared_token(api, "news:write")
    for kind in ("publications", "helplines", "support-rates", "resources"):
        for q in ("status=draft", "include=scheduled"):
            r = api.send("GET", "/v1/%s?%s" % (kind, q), token=news_writer)
            problem(r, 403, "GET /v1/%s?%s with news:write only" % (kind, q), ptype="forbidden")
    r = api.send("GET", "/v1/news?status=draft", token=news_writer)
    eq(r.status, 200, "news drafts with news:write (%s)" % r.describe())


def test_logs_hide_helpline_queries_and_slugs_and_escape_control_bytes(api):
    log = api.server.log_path
    start = os.path.getsize(log)
    api.get("/v1/helplines%FF?jurisdiction=Scotland")
    api.get("/v1/helplines/modern-slavery-helpline")
    _raw(api, b"GET /v1/news?q=a\x01b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    time.sleep(0.5)
    with open(log, "rb") as f:
        f.seek(start)
        seg = f.read()
    check(b"Scotland" not in seg, "the query of a misspelt helplines path was logged")
    check(b"modern-slavery-helpline" not in seg, "a helpline slug was logged")
    check(b"/v1/helplines/{key}" in seg, "a helpline item is not logged by its template:\n%r", seg[-800:])
    check(b"\x01" not in seg, "a control byte reached the log")
    check(b"\\x01" in seg, "the control byte was not logged escaped:\n%r", seg[-800:])


def test_a_header_sent_twice_reads_as_one_list(api):
    etag = api.get("/v1/news?limit=1").headers.get("etag")
    check(etag, "no ETag on the news list")
    # the same Host as api.get: absolute URLs in the body, and so the ETag, depend on it
    out, _ = _raw(api, ('GET /v1/news?limit=1 HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n'
                        'If-None-Match: "zz-other"\r\nIf-None-Match: %s\r\n\r\n'
                        % (api.host, api.port, etag)).encode())
    check(out.startswith(b"HTTP/1.1 304"), "If-None-Match split over two headers: %r", out[:60])
