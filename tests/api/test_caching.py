"""Caching and the response path (issue 5, points 1-6): conditional requests (ETag,
Last-Modified, If-None-Match, If-Modified-Since, 304) on every kind of GET/HEAD; Cache-Control
(max-age cut to the next scheduled change, private for token holders); gzip negotiation;
CORS (any origin by default, an allow-list from IASC_CORS_ORIGINS); security headers; the
in-memory response cache (hits, canonical keys, invalidation by writes in this process and,
through LISTEN/NOTIFY, in a second instance within 1 s; IASC_CACHE_BYTES bounds and 0).

Cache hits are seen in the server log: with IASC_LOG_LEVEL=debug every request has a line
`req=<X-Request-Id> METHOD path status[ cached] N.NNms`; each request here sends its own
X-Request-Id so that its line can be found."""

import email.utils
import gzip
import itertools
import os
import re
import socket
import subprocess
import time

from apilib import (start_refused, check, eq, ok_json, ok_list, problem, purge_items, record_raw, request, run_threads,
                    shared_token)

PREFIX = "cachetest-"
STRONG_ETAG = re.compile(r'^"[\x21\x23-\x7e]*"$')
CSP_NONE = "default-src 'none'"
GZIP_MIN = 860
_seq = itertools.count(1)
LOG_LINE = re.compile(r"req=(\S+) \S+ .* (\d{3})( cached)? [0-9.]+ms\s*$")


# ---------------------------------------------------------------- helpers

class Inst:
    """One running server (the runner's or one started here), with requests whose log
    line can be found."""

    def __init__(self, server):
        self.server = server

    def get(self, path, headers=None, method="GET", body=None):
        """Returns (Resp, cached): cached is True when the server logged the request as
        answered from its response cache."""
        hdrs = dict(headers or {})
        hdrs.setdefault("X-Request-Id", "cachetest-%d-%d" % (os.getpid(), next(_seq)))
        r = request(self.server.host, self.server.port, path, headers=hdrs, method=method, body=body)
        return r, self.cached(r.headers.get("x-request-id"))

    def r(self, path, headers=None, method="GET"):
        return self.get(path, headers=headers, method=method)[0]

    def log_line(self, rid):
        """The match of the request's log line: group(3) is " cached" on a cache hit."""
        deadline = time.time() + 1.0
        while True:
            self._scan()
            if rid in self._lines:
                return self._lines[rid]
            if time.time() > deadline:
                raise AssertionError("no log line for X-Request-Id %s in %s" % (rid, self.server.log_path))
            time.sleep(0.02)

    def _scan(self):
        if not hasattr(self, "_lines"):
            self._lines, self._off = {}, 0
        with open(self.server.log_path, "rb") as f:
            f.seek(self._off)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self._off += end
        for ln in data[:end].decode("utf-8", "replace").splitlines():
            m = LOG_LINE.search(ln)
            if m:
                self._lines[m.group(1)] = m

    def cached(self, rid):
        return self.log_line(rid).group(3) is not None


def _main(api):
    return Inst(api.server)


def _hit(inst, path, headers=None, method="GET"):
    """GETs path until an answer comes from the cache (within 1 s: a stray invalidation,
    such as the publication job's, may drop an entry at any time); returns that answer."""
    deadline = time.time() + 1.0
    while True:
        r, cached = inst.get(path, headers=headers, method=method)
        if cached:
            return r
        check(time.time() < deadline, "%s %s (%s): no answer from the cache within 1 s (last: %s)", method, path,
              headers, r.describe(100))
        time.sleep(0.02)


def _again(fn, tries=3):
    """Runs fn (a check that a cache hit follows a miss) up to tries times: a stray
    invalidation in between must not fail it; a real fault fails every time."""
    for i in range(tries):
        try:
            return fn()
        except AssertionError:
            if i + 1 == tries:
                raise
            time.sleep(0.1)


def _scheduled_within(api, seconds):
    """The next scheduled change (epoch seconds) if one is due within seconds (another test's
    leftover, say), else None: the default max-age is only expected when nothing is."""
    v = api.psql("SELECT extract(epoch FROM iasc_next_scheduled_change())").strip()
    return float(v) if v and float(v) < time.time() + seconds else None


def _want_default_cc(api, r, what):
    cc = r.headers.get("cache-control")
    nxt = _scheduled_within(api, 70)
    if nxt is None:
        eq(cc, "public, max-age=60, stale-while-revalidate=30", "Cache-Control of " + what)
    else:  # something else is due soon: max-age is cut to it
        check(cc and cc.startswith("public, max-age=") and _max_age(r) <= max(0, nxt - time.time()) + 1,
              "Cache-Control of %s with a change due in %.1f s: %r", what, nxt - time.time(), cc)


def _start(api, name, env):
    e = {"DATABASE_URL": api.database_url, "IASC_LOG_LEVEL": "debug"}
    e.update(env)
    srv = api.start_server(e, os.path.join(api.workdir, "server-caching-%s.log" % name))
    err = srv.wait_healthy(20)
    check(err is None, "instance %s (%r): %s\n--- its stderr ---\n%s", name, env, err, srv.log_text()[-2000:])
    return Inst(srv)


def _second(api):
    """The second instance on the same database, started once (max-age a day: only a
    NOTIFY can make its cached answers go away before then)."""
    inst = api.__dict__.get("_cachetest_second")
    if inst is None or inst.server.proc.poll() is not None:
        inst = _start(api, "second", {"IASC_MAX_AGE": "86400"})
        api.__dict__["_cachetest_second"] = inst
    return inst


def _stop(inst):
    if inst is not None:
        msg = inst.server.stop(10)
        check(msg is None, "stopping %s: %s", inst.server.log_path, msg)


def _token(api):
    return shared_token(api, "admin")


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _create_news(api, slug, **fields):
    body = {"title": "Cache test " + slug, "slug": slug, "summary": "A caching test item."}
    body.update(fields)
    r = api.send("POST", "/v1/news", token=_token(api), json_body=body)
    check(r.status == 201, "POST /v1/news %s: expected 201, got %s", slug, r.describe())
    return r


def _slugs(r):
    return [x.get("slug") for x in (r.json or {}).get("data") or []]


def _max_age(r):
    m = re.search(r"(?:^|,)\s*max-age=(\d+)\s*(?:,|$)", r.headers.get("cache-control") or "")
    return int(m.group(1)) if m else None


def _vary(r):
    return {v.strip().lower() for v in (r.headers.get("vary") or "").split(",") if v.strip()}


def _csv(v):
    return {x.strip().lower() for x in (v or "").split(",") if x.strip()}


def _http_date(r, name):
    v = r.headers.get(name)
    check(v, "%s missing (%s)", name, r.describe(100))
    try:
        return email.utils.parsedate_to_datetime(v).timestamp()
    except (TypeError, ValueError):
        raise AssertionError("%s is not an HTTP-date: %r" % (name, v))


def _endpoints(api):
    """One path of every kind of public GET: each collection's list and one item of it,
    search, every feed."""
    paths = []
    for coll, key in (("news", "slug"), ("publications", "slug"), ("helplines", "slug"),
                      ("support-rates", "id"), ("resources", "slug")):
        js = ok_list(api.get("/v1/%s?limit=1" % coll), "/v1/%s?limit=1" % coll)
        check(js["data"], "/v1/%s has no items", coll)
        paths += ["/v1/" + coll, "/v1/%s/%s" % (coll, js["data"][0][key])]
    paths.append("/v1/search?q=slavery")
    for feed in ("news", "publications", "all"):
        for fmt in ("atom", "rss", "json"):
            paths.append("/v1/feeds/%s.%s" % (feed, fmt))
    return paths


def _raw_after_headers(api, path, headers):
    """Sends a GET on its own connection (Connection: close) and returns (status line,
    every byte after the header block, read to EOF)."""
    lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (api.host, api.port), "Connection: close"]
    lines += ["%s: %s" % kv for kv in headers.items()]
    sent = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    s = socket.create_connection((api.host, api.port), timeout=10)
    try:
        s.sendall(sent)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    record_raw(sent, buf)
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode("latin-1"), rest


def _wait_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


# ---------------------------------------------------------------- 1. conditional requests

def test_caching_304_for_every_endpoint_kind(api):
    """Every kind of public GET (each collection's list and an item of it, search, all nine
    feeds), identity and gzip: a strong ETag and Last-Modified; If-None-Match with the tag,
    with a list holding it, with W/ (weak comparison) and with * gives 304 with no body and
    the ETag, Cache-Control and Vary of the 200; HEAD too."""
    for path in _endpoints(api):
        for enc in (None, "gzip"):
            base = {"Accept-Encoding": enc} if enc else {}
            what = "%s (Accept-Encoding %s)" % (path, enc)
            r = api.get(path, headers=base)
            eq(r.status, 200, "GET %s status" % what)
            etag = r.headers.get("etag")
            check(etag and STRONG_ETAG.match(etag), "%s: ETag %r is not a strong entity-tag", what, etag)
            _http_date(r, "last-modified")
            cc = r.headers.get("cache-control") or ""
            check(cc.startswith("public, max-age="), "%s: Cache-Control %r", what, cc)
            for inm in (etag, '"nope", ' + etag, '"a" ,%s, "b"' % etag, "W/" + etag, "*"):
                for method in ("GET", "HEAD"):
                    h = dict(base, **{"If-None-Match": inm})
                    n = api.get(path, headers=h, method=method)
                    w = "%s %s If-None-Match: %s" % (method, what, inm)
                    eq(n.status, 304, w + ": status")
                    eq(n.body, b"", w + ": 304 body")
                    eq(n.headers.get("etag"), etag, w + ": 304 ETag")
                    check((n.headers.get("cache-control") or "").startswith("public, max-age="),
                          "%s: 304 Cache-Control %r", w, n.headers.get("cache-control"))
                    check("accept-encoding" in _vary(n), "%s: 304 Vary %r", w, n.headers.get("vary"))
                    check("content-encoding" not in n.headers, "%s: 304 has Content-Encoding", w)
            for inm in ('"nope"', 'W/"nope"', etag[:-1] + 'x"'):
                n = api.get(path, headers=dict(base, **{"If-None-Match": inm}))
                eq(n.status, 200, "%s If-None-Match: %s (no match): status" % (what, inm))
                eq(n.body, r.body, "%s If-None-Match: %s (no match): body" % (what, inm))


def test_caching_304_has_no_body_on_the_wire(api):
    """A 304 sends nothing after its header block (read to EOF on a closed connection)."""
    for path in ("/v1/helplines", "/v1/feeds/all.atom", "/v1/news/statutory-defence-review-published"):
        for enc in ("identity", "gzip"):
            r = api.get(path, headers={"Accept-Encoding": enc})
            status, rest = _raw_after_headers(api, path, {"Accept-Encoding": enc,
                                                          "If-None-Match": r.headers.get("etag")})
            check(" 304 " in status + " ", "%s (%s) raw conditional GET: status line %r", path, enc, status)
            eq(rest, b"", "%s (%s) bytes after the 304 header block" % (path, enc))


def test_caching_if_modified_since(api):
    """If-Modified-Since equal to (or after) Last-Modified: 304, in each HTTP-date format;
    earlier: 200; a future or malformed date is ignored (200); If-None-Match, when present,
    decides alone."""
    paths = ["/v1/publications?limit=3", "/v1/resources/agency-glaa", "/v1/feeds/news.rss", "/v1/search?q=report"]
    # Last-Modified may be the current second: If-Modified-Since is only taken once it is past.
    # (Just after a start the server may note a change of its own, e.g. when it begins to
    # listen for other instances' writes: then read again once that second is past.)
    for _ in range(3):
        firsts = {p: api.get(p) for p in paths}
        latest = max(_http_date(r, "last-modified") for r in firsts.values())
        check(latest <= time.time() + 2, "Last-Modified %s is in the future", time.ctime(latest))
        _wait_until(latest + 1.05)
        if all(api.get(p).headers.get("last-modified") == r.headers.get("last-modified") for p, r in firsts.items()):
            break
    for p, r in firsts.items():
        eq(r.status, 200, "GET %s" % p)
        lm_text = r.headers.get("last-modified")
        lm = _http_date(r, "last-modified")
        etag = r.headers.get("etag")
        gm = time.gmtime(lm)
        rfc850 = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", gm)
        asctime = time.strftime("%a %b ", gm) + ("%2d" % gm.tm_mday) + time.strftime(" %H:%M:%S %Y", gm)
        for ims in (lm_text, rfc850, asctime, email.utils.formatdate(lm + 1, usegmt=True)):
            n = api.get(p, headers={"If-Modified-Since": ims})
            eq(n.status, 304, "%s If-Modified-Since: %s (Last-Modified %s)" % (p, ims, lm_text))
            eq(n.body, b"", "%s If-Modified-Since 304 body" % p)
            eq(n.headers.get("etag"), etag, "%s If-Modified-Since 304 ETag" % p)
        n = api.get(p, headers={"If-Modified-Since": lm_text}, method="HEAD")
        eq(n.status, 304, "HEAD %s If-Modified-Since: Last-Modified" % p)
        for ims in (email.utils.formatdate(lm - 1, usegmt=True), email.utils.formatdate(time.time() + 3600, usegmt=True),
                    "yesterday", "Sun, 31 Feb 2021 00:00:00 GMT", ""):
            n = api.get(p, headers={"If-Modified-Since": ims})
            eq(n.status, 200, "%s If-Modified-Since: %r (Last-Modified %s)" % (p, ims, lm_text))
            eq(n.body, r.body, "%s If-Modified-Since: %r body" % (p, ims))
        n = api.get(p, headers={"If-Modified-Since": lm_text, "If-None-Match": '"other"'})
        eq(n.status, 200, "%s: If-None-Match not matching with If-Modified-Since matching" % p)
        n = api.get(p, headers={"If-Modified-Since": email.utils.formatdate(lm - 86400, usegmt=True),
                                "If-None-Match": etag})
        eq(n.status, 304, "%s: If-None-Match matching with an old If-Modified-Since" % p)


def test_caching_etags_differ_between_identity_and_gzip(api):
    """Strong tags name bytes: the gzip representation has its own tag, and each tag only
    matches its own coding."""
    p = "/v1/helplines"
    i = api.get(p, headers={"Accept-Encoding": "identity"})
    z = api.get(p, headers={"Accept-Encoding": "gzip"})
    eq(z.headers.get("content-encoding"), "gzip", "Content-Encoding of %s with gzip" % p)
    ti, tz = i.headers.get("etag"), z.headers.get("etag")
    check(ti != tz, "identity and gzip ETag are both %r", ti)
    check(STRONG_ETAG.match(tz or ""), "gzip ETag %r is not strong", tz)
    eq(tz, ti[:-1] + '-gz"', "gzip ETag (the -gz variant of the identity tag)")
    eq(api.get(p, headers={"Accept-Encoding": "gzip", "If-None-Match": ti}).status, 200,
       "gzip request with the identity tag")
    eq(api.get(p, headers={"Accept-Encoding": "identity", "If-None-Match": tz}).status, 200,
       "identity request with the gzip tag")
    eq(api.get(p, headers={"Accept-Encoding": "gzip", "If-None-Match": "%s, %s" % (ti, tz)}).status, 304,
       "gzip request with both tags")


def test_caching_no_304_for_errors(api):
    """If-None-Match: * asks for a current representation: a 404 stays a 404 (no-store)."""
    for p in ("/v1/news/cachetest-no-such-item", "/v1/feeds/nope.atom", "/v1/news?limit=abc"):
        r = api.get(p, headers={"If-None-Match": "*"})
        check(r.status in (400, 404), "%s with If-None-Match: *: %s", p, r.describe())
        eq(r.headers.get("cache-control"), "no-store", "%s Cache-Control" % p)


def test_caching_a_burst_of_identical_misses_runs_one_query(api):
    """While the news table and item_reads (what news lists read) are locked, twenty identical
    requests for an answer not in the cache all wait (more than the database workers, 4 to 16 by
    default: some wait in the workers' queue); once
    it is released, exactly one of them has asked the database (the log says the others were
    answered without it) and all twenty get the same answer."""
    _burst_runs_one_query(api, _main(api))


def test_caching_off_a_burst_of_identical_requests_still_runs_one_query(api):
    """The same with IASC_CACHE_BYTES=0: the waiting requests take the leader's answer."""
    inst = api.__dict__.get("_cachetest_nocache")
    if inst is None:
        inst = api.__dict__["_cachetest_nocache"] = _start(api, "nocache", {"IASC_CACHE_BYTES": "0"})
    _burst_runs_one_query(api, inst)


def _burst_runs_one_query(api, srv):
    n = 20

    def once():
        path = "/v1/news?limit=4&tag=burst-%d-%d" % (os.getpid(), next(_seq))
        holder = subprocess.Popen(
            api.psql_base + ["-XAtq", "-c", "BEGIN; LOCK TABLE news, item_reads IN ACCESS EXCLUSIVE MODE; "
                             "SELECT pg_sleep(1.5); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 5
            while api.psql("SELECT count(*) FROM pg_locks WHERE relation = 'news'::regclass "
                           "AND mode = 'AccessExclusiveLock' AND granted").strip() != "1":
                check(time.time() < deadline, "the lock on news was not taken within 5 s")
                time.sleep(0.02)
            rids = ["cachetest-%d-%d" % (os.getpid(), next(_seq)) for _ in range(n)]
            # the log is read afterwards, from this thread only
            out = run_threads(n, lambda i: request(srv.server.host, srv.server.port, path,
                                                   headers={"X-Request-Id": rids[i]}))
        finally:
            _, err = holder.communicate(timeout=20)
        check(holder.returncode == 0, "the lock holder failed: %s", err.decode(errors="replace"))
        for r in out:
            eq(r.status, 200, "GET %s during the burst" % path)
        eq(len({r.body for r in out}), 1, "bodies of the %d identical requests" % n)
        eq(sum(1 for rid in rids if not srv.cached(rid)), 1,
           "requests of the burst that asked the database (the rest: answered from the cache)")

    _again(once)


def test_caching_write_changes_etags_and_invalidates_at_once(api):
    """A write through this instance: the next GET of a list (cached just before) and of the
    item is fresh, and the old ETag no longer gives 304; likewise after PATCH and DELETE."""
    srv = _main(api)
    slug = PREFIX + "inval"
    lp = "/v1/news?limit=10"
    try:
        old = _hit(srv, lp)
        t_old = old.headers.get("etag")
        _create_news(api, slug, published_at=_iso(time.time() - 5))
        r, cached = srv.get(lp, headers={"If-None-Match": t_old})
        eq(r.status, 200, "GET %s with the pre-write ETag after a write" % lp)
        check(not cached, "GET %s right after a write came from the cache", lp)
        check(slug in _slugs(r), "GET %s right after a write lacks the new item: %r", lp, _slugs(r))
        check(r.headers.get("etag") != t_old, "list ETag unchanged by a write")

        ip = "/v1/news/" + slug
        item = ok_json(_hit(srv, ip), ip)
        t_item = _hit(srv, ip).headers.get("etag")
        eq(srv.r(ip, headers={"If-None-Match": t_item}).status, 304, "item with its ETag")
        _hit(srv, lp)
        w = api.send("PATCH", ip, token=_token(api), json_body={"title": "Cache test retitled"},
                     content_type="application/merge-patch+json")
        check(w.status == 200, "PATCH %s: %s", ip, w.describe())
        r, cached = srv.get(ip, headers={"If-None-Match": t_item})
        eq(r.status, 200, "item GET with its pre-PATCH ETag")
        check(not cached, "item GET right after PATCH came from the cache")
        eq((r.json or {}).get("title"), "Cache test retitled", "item title right after PATCH (was %r)" % item.get("title"))
        r, cached = srv.get(lp)
        check(not cached, "GET %s right after PATCH came from the cache", lp)
        titles = [x.get("title") for x in (r.json or {}).get("data", []) if x.get("slug") == slug]
        eq(titles, ["Cache test retitled"], "the item's title in %s right after PATCH" % lp)

        _hit(srv, ip)
        _hit(srv, lp)
        d = api.send("DELETE", ip, token=_token(api))
        check(d.status in (200, 204), "DELETE %s: %s", ip, d.describe())
        problem(srv.r(ip), 404, "item right after DELETE")
        check(slug not in _slugs(srv.r(lp)), "%s still lists the item right after DELETE", lp)
    finally:
        purge_items(api, PREFIX)


def test_caching_last_modified_never_after_date(api):
    """RFC 9110 8.8.2.1: an origin server MUST NOT send a Last-Modified later than its Date,
    also right after a write."""
    # In the first half of a second, so that the write and the reads share it.
    while time.time() % 1 > 0.4:
        time.sleep(0.05)
    slug = PREFIX + "lm"
    try:
        _create_news(api, slug, published_at=_iso(time.time() - 5))
        bad = []
        for p in ("/v1/news?limit=3", "/v1/news/" + slug, "/v1/feeds/news.atom", "/v1/helplines", "/v1/search?q=" + slug):
            r = api.get(p)
            eq(r.status, 200, "GET %s" % p)
            lm, date = _http_date(r, "last-modified"), _http_date(r, "date")
            if lm > date:
                bad.append("%s: Last-Modified %s > Date %s" % (p, r.headers["last-modified"], r.headers["date"]))
        check(not bad, "Last-Modified later than Date right after a write:\n  %s", "\n  ".join(bad))
    finally:
        purge_items(api, PREFIX)


def test_caching_if_modified_since_after_two_changes_in_one_second(api):
    """Last-Modified has whole seconds. A copy taken between two changes made within one
    second carries that second as Last-Modified; If-Modified-Since with it must not get a 304
    once the second change is in (RFC 9110 13.1.3: only when not modified since then), for
    the list and for the item."""
    slug = PREFIX + "samesec"
    ip, lp = "/v1/news/" + slug, "/v1/news?limit=4"
    try:
        for attempt in range(3):
            while time.time() % 1 > 0.3:
                time.sleep(0.02)
            sec = int(time.time())
            _create_news(api, slug, published_at=_iso(time.time() - 5))
            copies = {p: api.get(p) for p in (lp, ip)}
            w = api.send("PATCH", ip, token=_token(api), json_body={"title": "Cache test same second"},
                         content_type="application/merge-patch+json")
            check(w.status == 200, "PATCH %s: %s", ip, w.describe())
            if int(time.time()) == sec:
                break
            purge_items(api, PREFIX)
        check(int(time.time()) == sec, "could not make two changes within one second")
        _wait_until(sec + 1.05)
        bad = []
        for p, c in copies.items():
            eq(c.status, 200, "GET %s between the changes" % p)
            cur = api.get(p)
            check(cur.body != c.body, "%s: the second change did not change the answer", p)
            n = api.get(p, headers={"If-Modified-Since": c.headers.get("last-modified")})
            if n.status != 200:
                bad.append("%s: If-Modified-Since %s (Last-Modified of the copy; now %s) got %d" % (
                    p, c.headers.get("last-modified"), cur.headers.get("last-modified"), n.status))
        check(not bad, "If-Modified-Since with the Last-Modified of a copy taken before a change made later in the "
                       "same second, expected 200 (the answer changed):\n  %s", "\n  ".join(bad))
    finally:
        purge_items(api, PREFIX)


# ---------------------------------------------------------------- 2. Cache-Control

def test_caching_cache_control_public_errors_and_tokens(api):
    """Public reads: public, max-age=60, stale-while-revalidate=30 (fresh, cached and 304);
    errors and health: no-store; any answer to a token holder: private, no-store, never
    stored nor served from the cache."""
    srv = _main(api)
    for p in ("/v1/news?limit=2", "/v1/feeds/all.json", "/v1/support-rates/vcc-asylum-supported-total-2018-cut",
              "/v1/search?q=trafficking"):
        r1, _ = srv.get(p)
        r2 = _hit(srv, p)
        n = srv.r(p, headers={"If-None-Match": r2.headers.get("etag")})
        for what, r in (("first", r1), ("cached", r2), ("304", n)):
            _want_default_cc(api, r, "%s (%s)" % (p, what))
    for p, st in (("/v1/news/cachetest-nothing", 404), ("/v1/news?limit=abc", 400), ("/v1/nope", 404),
                  ("/healthz", 200), ("/readyz", 200)):
        r = srv.r(p)
        eq(r.status, st, "GET %s status" % p)
        eq(r.headers.get("cache-control"), "no-store", "Cache-Control of %s (%d)" % (p, st))
    r = srv.r("/v1/news", headers={"Accept": "text/html"})
    eq((r.status, r.headers.get("cache-control")), (406, "no-store"), "406 status and Cache-Control")

    # a Host of its own: these requests name entries no earlier test can have filled
    host = {"Host": "cachetest-token-%d.example" % next(_seq)}
    auth = dict(host, Authorization="Bearer " + _token(api))
    for p in ("/v1/news?limit=4", "/v1/helplines/tara-scotland", "/v1/feeds/news.atom", "/v1/search?q=report&limit=3"):
        for i in range(2):
            r, cached = srv.get(p, headers=auth)
            eq(r.status, 200, "GET %s with a token" % p)
            eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of %s with a token" % p)
            check(not cached, "GET %s with a token (#%d) answered from the cache", p, i + 1)
        n = srv.r(p, headers=dict(auth, **{"If-None-Match": r.headers.get("etag")}))
        eq(n.status, 304, "GET %s with a token and its ETag" % p)
        eq(n.headers.get("cache-control"), "private, no-store", "Cache-Control of a 304 to a token holder")
        # what the token holder got was not stored for the public
        r, cached = srv.get(p, headers=host)
        check(not cached, "public GET %s after token GETs came from the cache", p)
        check((r.headers.get("cache-control") or "").startswith("public"), "public GET %s Cache-Control %r",
              p, r.headers.get("cache-control"))


def test_caching_drafts_never_leak_through_the_cache(api):
    """A token holder sees a draft; the public, before and after, gets 404 and lists
    without it."""
    srv = _main(api)
    slug = PREFIX + "draft"
    ip = "/v1/news/" + slug
    auth = {"Authorization": "Bearer " + _token(api)}
    try:
        _create_news(api, slug, status="draft", published_at=_iso(time.time() - 5))
        for _ in range(2):
            problem(srv.r(ip), 404, "public GET of a draft")
            r = srv.r(ip, headers=auth)
            eq(r.status, 200, "token GET of a draft (%s)" % r.describe())
            eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of a draft to a token holder")
            srv.r("/v1/news?limit=10&status=draft", headers=auth)
            check(slug not in _slugs(srv.r("/v1/news?limit=10")), "public list shows a draft")
    finally:
        purge_items(api, PREFIX)


def test_caching_max_age_cut_to_next_scheduled_publication(api):
    """A news item scheduled 20 s ahead: within ~1 s public answers (fresh and cached) say
    max-age <= 20, without stale-while-revalidate; once it is unscheduled, 60 again."""
    srv = _main(api)
    slug = PREFIX + "sched20"
    p = "/v1/news?limit=3"
    try:
        r = _create_news(api, slug, published_at=_iso(time.time() + 20))
        ip = "/v1/news/" + slug
        deadline = time.time() + 3
        while True:
            r, _ = srv.get(p)
            age = _max_age(r)
            if age is not None and age <= 20 or time.time() > deadline:
                break
            time.sleep(0.1)
        check(age is not None and age <= 20,
              "Cache-Control of %s with an item due in 20 s: %r", p, r.headers.get("cache-control"))
        if _scheduled_within(api, 15) is None:  # nothing else due sooner: not cut further
            check(age >= 15, "Cache-Control of %s with an item due in 20 s: %r", p, r.headers.get("cache-control"))
        check("stale-while-revalidate" not in r.headers.get("cache-control"),
              "stale-while-revalidate past the next scheduled change: %r", r.headers.get("cache-control"))
        check(slug not in _slugs(r), "%s shows an item scheduled 20 s ahead", p)
        problem(srv.r(ip), 404, "public GET of an item scheduled 20 s ahead")
        for q in (p, "/v1/feeds/news.atom", "/v1/helplines", "/v1/support-rates/vcc-catered-safe-house"):
            r1, _ = srv.get(q)
            r2 = _hit(srv, q)
            for what, rr in (("first", r1), ("cached", r2)):
                a = _max_age(rr)
                check(a is not None and a <= 20, "Cache-Control of %s (%s) with an item due in 20 s: %r", q, what,
                      rr.headers.get("cache-control"))
    finally:
        purge_items(api, PREFIX)
    deadline = time.time() + 3
    while _max_age(srv.r(p)) != 60 and time.time() < deadline and _scheduled_within(api, 70) is None:
        time.sleep(0.1)
    _want_default_cc(api, srv.r(p), p + " once the scheduled item is gone")


def test_caching_never_staler_than_uncached_at_scheduled_publication(api):
    """A cached list must not outlive the publication time of a scheduled item: just after
    it, the cached answer shows the item as an uncached one does."""
    srv = _main(api)
    slug = PREFIX + "due"
    try:
        due = int(time.time()) + 3
        _create_news(api, slug, published_at=_iso(due))
        deadline = time.time() + 2.5
        while (_max_age(srv.r("/v1/news?limit=3")) or 99) > 3 and time.time() < deadline:
            time.sleep(0.05)
        check((_max_age(srv.r("/v1/news?limit=3")) or 99) <= 3, "the server did not learn of the scheduled item")
        # Cache a list late in the second before the item is due (fractional seconds matter).
        check(time.time() < due - 0.25, "setup too slow: %.2f s before the item is due", due - time.time())
        _wait_until(due - 1 + 0.8)
        cp = "/v1/news?limit=7"
        before = _hit(srv, cp)
        check(time.time() < due - 0.05, "setup too slow: %.2f s before the item is due", due - time.time())
        check(slug not in _slugs(before), "%s shows the item before it is due", cp)
        _wait_until(due + 0.05)
        fresh = srv.r("/v1/news?limit=8")  # never asked for: computed now
        check(slug in _slugs(fresh), "uncached %s just after the item is due lacks it", "/v1/news?limit=8")
        after, cached = srv.get(cp)
        check(slug in _slugs(after),
              "GET %s %.2f s after the item's publication time lacks it (answered from the cache: %s), "
              "while an uncached list has it", cp, time.time() - due, cached)
    finally:
        purge_items(api, PREFIX)
    deadline = time.time() + 3
    while _max_age(srv.r("/v1/news?limit=3")) != 60 and time.time() < deadline:
        time.sleep(0.1)


# ---------------------------------------------------------------- 3. compression

def test_caching_gzip_decompresses_to_the_identity_body(api):
    """gzip answers (fresh, cached; gzip asked first or second) decompress to exactly the
    identity body, with Content-Length of the compressed bytes and Vary: Accept-Encoding;
    the cached compressed bytes are the same every time."""
    srv = _main(api)
    paths = ["/v1/helplines", "/v1/news?limit=20", "/v1/feeds/all.atom", "/v1/feeds/news.rss", "/v1/feeds/all.json",
             "/v1/search?q=slavery", "/v1/publications?limit=15", "/v1/support-rates?history=true",
             "/v1/resources?limit=25", "/v1/news/statutory-defence-review-published"]
    compressed = 0
    for i, p in enumerate(paths):
        order = ("identity", "gzip", "gzip") if i % 2 else ("gzip", "identity", "gzip")
        got = {}
        for n, enc in enumerate(order):
            r, cached = srv.get(p, headers={"Accept-Encoding": enc})
            eq(r.status, 200, "GET %s (%s)" % (p, enc))
            check("accept-encoding" in _vary(r), "%s (%s): Vary %r", p, enc, r.headers.get("vary"))
            eq(r.headers.get("content-length"), str(len(r.body)), "%s (%s) Content-Length" % (p, enc))
            got.setdefault(enc, []).append(r)
        ident = got["identity"][0]
        check("content-encoding" not in ident.headers, "%s identity answer has Content-Encoding %r", p,
              ident.headers.get("content-encoding"))
        z1, z2 = got["gzip"]
        z3 = _hit(srv, p, headers={"Accept-Encoding": "gzip"})
        for z in (z2, z3):
            eq(z.body, z1.body, "%s: gzip bytes again (from the cache)" % p)
            eq(z.headers.get("content-encoding"), z1.headers.get("content-encoding"), "%s: Content-Encoding again" % p)
        eq(z2.headers.get("etag"), z1.headers.get("etag"), "%s: gzip ETag across requests" % p)
        eq(z1.headers.get("content-type"), ident.headers.get("content-type"), "%s: Content-Type gzip vs identity" % p)
        if len(ident.body) >= GZIP_MIN:
            eq(z1.headers.get("content-encoding"), "gzip", "%s (%d bytes) Content-Encoding" % (p, len(ident.body)))
        if z1.headers.get("content-encoding") == "gzip":
            compressed += 1
            eq(gzip.decompress(z1.body), ident.body, "%s: gunzipped body vs identity body" % p)
            check(len(z1.body) < len(ident.body), "%s: gzip body not smaller", p)
        else:
            eq(z1.body, ident.body, "%s: uncompressed body" % p)
    check(compressed >= 8, "only %d of %d large answers were compressed", compressed, len(paths))
    # HEAD takes the same coding and tag as GET
    g = api.get("/v1/helplines", headers={"Accept-Encoding": "gzip"})
    h = api.get("/v1/helplines", headers={"Accept-Encoding": "gzip"}, method="HEAD")
    eq((h.status, h.body, h.headers.get("content-encoding"), h.headers.get("etag")),
       (200, b"", "gzip", g.headers.get("etag")), "HEAD with gzip (status, body, Content-Encoding, ETag)")


def test_caching_accept_encoding_negotiation(api):
    """q-values are honoured: gzip;q=0 and identity preferred mean identity; identity;q=0
    without gzip (or *;q=0) is 406; identity;q=0 with gzip compresses even a small body."""
    big = "/v1/helplines"
    ident = api.get(big, headers={"Accept-Encoding": "identity"}).body
    cases = [("gzip", True), ("GZIP", True), ("x-gzip", True), ("*", True), ("deflate, gzip;q=0.8", True),
             ("gzip;q=1.0, identity;q=0.5", True), ("*;q=0, gzip", True), ("identity;q=0, gzip", True),
             ("gzip;q=0", False), ("gzip;q=0, identity", False), ("gzip;q=0.5, identity", False),
             ("gzip;q=0.5, identity;q=0.8", False), ("br", False), ("", False), ("identity", False),
             ("*;q=0, identity", False)]
    for ae, want_gz in cases:
        r = api.get(big, headers={"Accept-Encoding": ae})
        eq(r.status, 200, "Accept-Encoding %r status" % ae)
        eq(r.headers.get("content-encoding"), "gzip" if want_gz else None, "Accept-Encoding %r: Content-Encoding" % ae)
        body = gzip.decompress(r.body) if want_gz else r.body
        eq(body, ident, "Accept-Encoding %r: (decoded) body" % ae)
    for ae in ("identity;q=0", "*;q=0", "identity;q=0, br"):
        r = api.get(big, headers={"Accept-Encoding": ae})
        problem(r, 406, "Accept-Encoding %r" % ae, ptype="not-acceptable")
        eq(r.headers.get("cache-control"), "no-store", "Accept-Encoding %r: Cache-Control" % ae)
    small = "/v1/news?q=cachetest-matches-nothing"
    plain = api.get(small, headers={"Accept-Encoding": "identity"})
    ok_list(plain, small)
    check(len(plain.body) < GZIP_MIN, "%s is %d bytes", small, len(plain.body))
    for first in range(2):  # fresh then cached
        r = api.get(small, headers={"Accept-Encoding": "identity;q=0, gzip"})
        eq(r.headers.get("content-encoding"), "gzip", "small body with identity;q=0 (request %d)" % (first + 1))
        eq(gzip.decompress(r.body), plain.body, "small body gzipped because identity is refused")


def test_caching_small_bodies_not_compressed(api):
    """Below 860 bytes the answer goes as is, whatever Accept-Encoding allows."""
    for p in ("/healthz", "/readyz", "/v1/news?q=cachetest-nothing-at-all", "/v1/news?limit=1",
              "/v1/news/cachetest-none", "/v1/news?limit=abc"):
        a = api.get(p, headers={"Accept-Encoding": "identity", "X-Request-Id": "cachetest-small"})
        if len(a.body) >= GZIP_MIN:
            continue
        for _ in range(2):
            r = api.get(p, headers={"Accept-Encoding": "gzip, deflate", "X-Request-Id": "cachetest-small"})
            check("content-encoding" not in r.headers, "%s (%d bytes) compressed: %r", p, len(a.body),
                  r.headers.get("content-encoding"))
            eq(r.body, a.body, "%s body with gzip allowed" % p)


# ---------------------------------------------------------------- 4. CORS

EXPOSED = {"link", "etag", "x-request-id", "retry-after"}


def _no_credentials(r, what):
    check("access-control-allow-credentials" not in r.headers, "%s: Access-Control-Allow-Credentials %r", what,
          r.headers.get("access-control-allow-credentials"))


def test_caching_cors_default_any_origin(api):
    """By default any origin may read, without credentials: Access-Control-Allow-Origin: *
    and the exposed headers on fresh, cached, 304 and error answers; preflight answers
    with the methods, headers and a max-age."""
    srv = _main(api)
    origin = {"Origin": "https://example.org"}
    p = "/v1/news?limit=2"
    r1, _ = srv.get(p, headers=origin)
    r2 = _hit(srv, p, headers=origin)
    n = srv.r(p, headers=dict(origin, **{"If-None-Match": r2.headers.get("etag")}))
    eq(n.status, 304, "conditional GET with Origin")
    rs = [("fresh", r1), ("cached", r2), ("304", n), ("404", srv.r("/v1/news/cachetest-x", headers=origin)),
          ("400", srv.r("/v1/news?limit=-1", headers=origin)), ("feed", srv.r("/v1/feeds/all.rss", headers=origin))]
    for what, r in rs:
        eq(r.headers.get("access-control-allow-origin"), "*", "Access-Control-Allow-Origin (%s)" % what)
        exp = _csv(r.headers.get("access-control-expose-headers"))
        check(EXPOSED <= exp, "Access-Control-Expose-Headers (%s) %r lacks %s", what,
              r.headers.get("access-control-expose-headers"), sorted(EXPOSED - exp))
        _no_credentials(r, what)
    for path in ("/v1/news", "/v1/news/statutory-defence-review-published", "/v1/support-rates/vcc-catered-safe-house"):
        pf = srv.r(path, method="OPTIONS", headers=dict(origin, **{
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match"}))
        eq(pf.status, 204, "preflight OPTIONS %s status" % path)
        eq(pf.body, b"", "preflight body")
        eq(pf.headers.get("access-control-allow-origin"), "*", "preflight Access-Control-Allow-Origin")
        methods = {m.upper() for m in _csv(pf.headers.get("access-control-allow-methods"))}
        check({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} <= methods, "preflight Allow-Methods %r",
              pf.headers.get("access-control-allow-methods"))
        hdrs = _csv(pf.headers.get("access-control-allow-headers"))
        check({"authorization", "content-type", "if-match", "if-none-match", "idempotency-key"} <= hdrs,
              "preflight Allow-Headers %r", pf.headers.get("access-control-allow-headers"))
        ma = pf.headers.get("access-control-max-age") or ""
        check(ma.isdigit() and int(ma) > 0, "preflight Access-Control-Max-Age %r", ma)
        _no_credentials(pf, "preflight")
    # no Origin: not a CORS request; nothing to allow, nothing to break
    r = srv.r(p)
    eq(r.status, 200, "GET without Origin")
    _no_credentials(r, "no Origin")


def test_caching_cors_allow_list(api):
    """IASC_CORS_ORIGINS=https://good.example, https://other.example:8443/ : those origins
    are echoed (with Vary: Origin), others get no Access-Control-* header at all, whichever
    answered first from the cache; never credentials. Also: IASC_MAX_AGE=2 and
    IASC_STALE_WHILE_REVALIDATE=0 shape Cache-Control, entries expire with max-age, and
    IASC_CACHE_BYTES bounds what is kept."""
    inst = _start(api, "cors", {"IASC_CORS_ORIGINS": "https://good.example, https://other.example:8443/",
                                "IASC_MAX_AGE": "2", "IASC_STALE_WHILE_REVALIDATE": "0",
                                "IASC_CACHE_BYTES": "16384"})
    try:
        p = "/v1/news?q=cachetest-cors-nothing"
        seq = [("https://good.example", True), ("https://evil.example", False), ("https://other.example:8443", True),
               ("null", False), ("https://good.example.evil.example", False), ("http://good.example", False),
               ("https://good.example", True)]
        for i, (origin, allowed) in enumerate(seq):
            # each answer (but the first) from the cache, filled by the previous origin's request
            r = inst.r(p, headers={"Origin": origin}) if i == 0 else _hit(inst, p, headers={"Origin": origin})
            eq(r.status, 200, "GET with Origin %s" % origin)
            vary = _vary(r)
            check({"origin", "accept-encoding"} <= vary, "Origin %s: Vary %r", origin, r.headers.get("vary"))
            if allowed:
                eq(r.headers.get("access-control-allow-origin"), origin, "Access-Control-Allow-Origin for " + origin)
                check(EXPOSED <= _csv(r.headers.get("access-control-expose-headers")), "Expose-Headers for %s: %r",
                      origin, r.headers.get("access-control-expose-headers"))
            else:
                ac = sorted(k for k in r.headers if k.startswith("access-control-"))
                eq(ac, [], "Access-Control-* headers for the unlisted origin %s" % origin)
            _no_credentials(r, origin)
        r = inst.r("/v1/news/cachetest-none", headers={"Origin": "https://evil.example"})
        eq(r.status, 404, "404 on the allow-list instance")
        check("origin" in _vary(r), "404 for an unlisted origin: Vary %r", r.headers.get("vary"))
        check(not [k for k in r.headers if k.startswith("access-control-")], "404 for an unlisted origin has CORS headers")
        pre = {"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"}
        good = inst.r("/v1/news", method="OPTIONS", headers=dict(pre, Origin="https://good.example"))
        eq((good.status, good.headers.get("access-control-allow-origin")), (204, "https://good.example"),
           "preflight from a listed origin (status, Allow-Origin)")
        check("DELETE" in {m.upper() for m in _csv(good.headers.get("access-control-allow-methods"))},
              "preflight Allow-Methods %r", good.headers.get("access-control-allow-methods"))
        _no_credentials(good, "preflight from a listed origin")
        bad = inst.r("/v1/news", method="OPTIONS", headers=dict(pre, Origin="https://evil.example"))
        eq(bad.status, 204, "preflight from an unlisted origin status")
        eq(sorted(k for k in bad.headers if k.startswith("access-control-")), [],
           "Access-Control-* headers on a preflight from an unlisted origin")

        # Cache-Control from IASC_MAX_AGE / IASC_STALE_WHILE_REVALIDATE; expiry after max-age
        r, _ = inst.get("/v1/helplines")
        eq(r.headers.get("cache-control"), "public, max-age=2", "Cache-Control with IASC_MAX_AGE=2, SWR 0")
        e = "/v1/search?q=cachetest-expiry"
        _hit(inst, e)
        time.sleep(2.2)
        _, c = inst.get(e)
        check(not c, "GET %s 2.2 s after it was cached with max-age 2: still from the cache", e)

        # IASC_CACHE_BYTES=16384: an answer larger than the cache's per-entry share is never kept
        for i in range(3):
            r, c = inst.get("/v1/helplines")
            check(len(r.body) > 2048, "/v1/helplines is only %d bytes", len(r.body))
            check(not c, "a %d-byte answer was cached in a 16384-byte cache", len(r.body))
        # ... and many small answers do not all stay
        def fill():
            keys = ["/v1/news?q=cachetest-fill-%d-%03d" % (next(_seq), i) for i in range(150)]
            for k in keys:
                inst.get(k)
            # newest first: an LRU keeps the most recent, and hits move nothing out
            hits = sum(1 for k in reversed(keys) if inst.get(k)[1])
            check(0 < hits < len(keys), "%d of %d small answers still cached in a 16384-byte cache", hits, len(keys))
        _again(fill)
    finally:
        _stop(inst)


def test_caching_cors_bad_origin_list_refused_at_start(api):
    """An origin list that is not scheme://host[:port] items (or lists "null") stops serve."""
    for i, value in enumerate(("null", "https://example.org/path", "example.org")):
        start_refused(api, {"IASC_CORS_ORIGINS": value}, "IASC_CORS_ORIGINS",
                      "server-caching-badcors-%d.log" % i)


# ---------------------------------------------------------------- 5. headers everywhere

def test_caching_headers_on_every_answer(api):
    """X-Request-Id (echoed when sane, else generated, fresh on every cache hit),
    X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer on every answer;
    a Content-Security-Policy with default-src 'none' on every JSON answer."""
    srv = _main(api)
    cases = [("GET", "/v1/news?limit=3", {}), ("GET", "/v1/news?limit=3", {}),
             ("GET", "/v1/helplines", {"Accept-Encoding": "gzip"}), ("HEAD", "/v1/helplines", {}),
             ("GET", "/v1/news/cachetest-none", {}), ("GET", "/v1/news?limit=abc", {}),
             ("GET", "/v1/news", {"Accept": "text/html"}), ("DELETE", "/v1/search", {}),
             ("OPTIONS", "/v1/news", {}), ("GET", "/v1/feeds/news.atom", {}), ("GET", "/v1/feeds/all.json", {}),
             ("GET", "/healthz", {}), ("GET", "/v1/audit", {})]
    for method, p, h in cases:
        for rid in ("cachetest-sane-%d" % next(_seq), "not sane!"):
            r = srv.r(p, headers=dict(h, **{"X-Request-Id": rid}), method=method)
            what = "%s %s (%d)" % (method, p, r.status)
            got = r.headers.get("x-request-id") or ""
            if rid == "not sane!":
                check(re.match(r"^[A-Za-z0-9._:-]{1,128}$", got) and got != rid, "%s: X-Request-Id %r for %r",
                      what, got, rid)
            else:
                eq(got, rid, what + ": X-Request-Id echoed")
            eq(r.headers.get("x-content-type-options"), "nosniff", what + ": X-Content-Type-Options")
            eq(r.headers.get("referrer-policy"), "no-referrer", what + ": Referrer-Policy")
            ct = (r.headers.get("content-type") or "").lower()
            if ct.startswith("application/json") or ct.startswith("application/problem+json"):
                csp = r.headers.get("content-security-policy") or ""
                check(CSP_NONE in csp, "%s: Content-Security-Policy %r on %s", what, csp, ct)
    ids = set()
    for _ in range(3):
        r = _hit(srv, "/v1/news?limit=3", headers={"X-Request-Id": "!"})
        ids.add(r.headers.get("x-request-id"))
    eq(len(ids), 3, "distinct generated X-Request-Id on cached answers")


# ---------------------------------------------------------------- 6. the response cache

def test_caching_hits_use_the_canonical_request(api):
    """The same request answers from the cache with the same bytes, Link and ETag; query
    order, '+' vs %20 and percent-encoded path letters name the same entry; Host does not
    share entries (links differ); HEAD fills it for GET; errors are never kept."""
    srv = _main(api)
    groups = [["/v1/news?limit=3&from=2019-01-01", "/v1/news?from=2019-01-01&limit=3"],
              ["/v1/search?q=modern+slavery&limit=4", "/v1/search?limit=4&q=modern%20slavery",
               "/v1/search?q=modern%20slavery&limit=4"],
              ["/v1/support-rates?category=asylum_supported_total&history=true",
               "/v1/support-rates?history=true&category=asylum_supported_total"],
              ["/v1/publications?limit=2", "/v1/%70ublications?limit=2"]]
    def group(g):
        # a Host of its own for each attempt: the first request is a miss
        host = {"Host": "cachetest-key-%d.example" % next(_seq)}
        first, c0 = srv.get(g[0], headers=host)
        eq(first.status, 200, "GET %s" % g[0])
        check(not c0, "first GET %s with a new Host from the cache", g[0])
        for p in g[1:] + g[:1]:
            r, cached = srv.get(p, headers=host)
            check(cached, "GET %s after GET %s: not from the cache", p, g[0])
            eq(r.body, first.body, "%s body vs %s" % (p, g[0]))
            eq(r.headers.get("etag"), first.headers.get("etag"), "%s ETag" % p)
            eq(r.headers.get("link"), first.headers.get("link"), "%s Link" % p)
            eq(r.headers.get("content-type"), first.headers.get("content-type"), "%s Content-Type" % p)
    for g in groups:
        _again(lambda: group(g))
    p = "/v1/news?limit=2"
    a1 = srv.r(p, headers={"Host": "a.example"})
    _hit(srv, p, headers={"Host": "a.example"})
    b1, cb = srv.get(p, headers={"Host": "b.example"})
    check("a.example" in (a1.headers.get("link") or "") and b"a.example" in a1.body, "Host a.example not in the answer")
    check("b.example" in (b1.headers.get("link") or "") and b"b.example" in b1.body and b"a.example" not in b1.body,
          "GET with Host: b.example got an answer made for a.example (cached: %s): %r", cb, b1.headers.get("link"))

    def head_fills():
        host = {"Host": "cachetest-head-%d.example" % next(_seq)}
        h, hc = srv.get("/v1/resources?limit=3", headers=host, method="HEAD")
        eq((h.status, h.body, hc), (200, b"", False), "HEAD /v1/resources?limit=3 (status, body, cached)")
        g, cg = srv.get("/v1/resources?limit=3", headers=host)
        check(cg, "GET after HEAD not from the cache")
        js = ok_list(g, "GET after HEAD")
        eq(len(js["data"]), 3, "items of GET after HEAD")
        eq(g.headers.get("content-length"), h.headers.get("content-length"), "Content-Length of HEAD vs GET")
    _again(head_fills)
    for p in ("/v1/news/cachetest-never", "/v1/news?limit=abc", "/v1/nope"):
        for _ in range(2):
            r, cached = srv.get(p)
            check(r.status >= 400 and not cached, "GET %s: %d from the cache: %s", p, r.status, cached)


def test_caching_second_instance_sees_writes_within_1s(api):
    """A second instance on the same database (max-age a day): its cached answers go within
    1 s of a write through the first instance, of a change made directly in the database,
    and the first instance drops its own on a write through the second."""
    a = _main(api)
    b = _second(api)
    lp = "/v1/news?limit=10"
    slug = PREFIX + "notify"
    try:
        for inst in (a, b):
            r = _hit(inst, lp)
            check(slug not in _slugs(r), "item there before it was made")
        t_old = b.r(lp).headers.get("etag")

        def poll(inst, pred, what):
            t0 = time.time()
            while True:
                r, cached = inst.get(lp)
                if pred(r):
                    return time.time() - t0
                if time.time() - t0 > 1.0:
                    raise AssertionError("%s: after %.2f s GET %s still the old answer (from cache: %s): %r" % (
                        what, time.time() - t0, lp, cached, _slugs(r)))
                time.sleep(0.02)

        _create_news(api, slug, published_at=_iso(time.time() - 5))
        poll(b, lambda r: slug in _slugs(r), "second instance after a POST through the first")
        eq(b.r(lp, headers={"If-None-Match": t_old}).status, 200, "second instance: the pre-write ETag")
        # warm again, then change the row behind both instances' backs
        _hit(b, lp)
        _hit(a, lp)
        api.psql("UPDATE news SET title = 'Cache test changed in SQL' WHERE slug = '%s'" % slug)

        def titled(r):
            return [x.get("title") for x in (r.json or {}).get("data", []) if x.get("slug") == slug] == \
                ["Cache test changed in SQL"]
        poll(b, titled, "second instance after an UPDATE in the database")
        poll(a, titled, "first instance after an UPDATE in the database")
        # and the other way round: a write through the second
        _hit(a, lp)
        r = request(b.server.host, b.server.port, "/v1/news/" + slug, method="DELETE",
                    headers={"Authorization": "Bearer " + _token(api)})
        check(r.status in (200, 204), "DELETE through the second instance: %s", r.describe())
        poll(a, lambda r: slug not in _slugs(r), "first instance after a DELETE through the second")
    finally:
        purge_items(api, PREFIX)


def test_caching_max_age_cut_at_support_rate_start(api):
    """A support rate starting tomorrow (Europe/London) changes the answer at the next
    London midnight: on the second instance (max-age a day) max-age is cut to it."""
    b = _second(api)
    try:
        midnight = float(api.psql("SELECT extract(epoch FROM (((now() AT TIME ZONE 'Europe/London')::date + 1)"
                                  "::timestamp AT TIME ZONE 'Europe/London'))").strip())
        tomorrow = api.psql("SELECT ((now() AT TIME ZONE 'Europe/London')::date + 1)::text").strip()
        p = "/v1/support-rates"
        before = _max_age(b.r(p))
        check(before is not None, "Cache-Control on the second instance: %r", b.r(p).headers.get("cache-control"))
        body = {"id": PREFIX + "rate", "title": "Cache test rate", "description": "starts tomorrow",
                "jurisdiction": "Cachetestland", "category": "cachetest", "amount_pence": 100, "period": "week",
                "effective_from": tomorrow}
        r = api.send("POST", "/v1/support-rates", token=_token(api), json_body=body)
        check(r.status == 201, "POST /v1/support-rates: %s", r.describe())
        deadline = time.time() + 3
        while True:
            r = b.r(p)
            age = _max_age(r)
            limit = midnight - time.time() + 1
            if (age is not None and age <= limit) or time.time() > deadline:
                break
            time.sleep(0.1)
        check(age is not None and age <= limit,
              "max-age with a rate starting at %s (%.0f s away; before it: %s): %r", tomorrow,
              midnight - time.time(), before, r.headers.get("cache-control"))
        check(age >= min(before, midnight - time.time()) - 5, "max-age %d cut further than the rate's start", age)
        r2 = _hit(b, p)
        check((_max_age(r2) or 10 ** 9) <= limit, "cached answer: Cache-Control %r", r2.headers.get("cache-control"))
    finally:
        purge_items(api, PREFIX)
        _stop(api.__dict__.pop("_cachetest_second", None))


def test_caching_off_with_cache_bytes_0(api):
    """IASC_CACHE_BYTES=0: nothing is answered from a cache, yet ETag, 304, Cache-Control
    and gzip work the same."""
    inst = _start(api, "nocache", {"IASC_CACHE_BYTES": "0"})
    try:
        for p in ("/v1/news?limit=3", "/v1/helplines", "/v1/feeds/all.atom", "/v1/search?q=slavery"):
            rs = []
            for i in range(3):
                r, cached = inst.get(p)
                eq(r.status, 200, "GET %s" % p)
                check(not cached, "GET %s (#%d) answered from the cache with IASC_CACHE_BYTES=0", p, i + 1)
                rs.append(r)
            etag = rs[0].headers.get("etag")
            check(etag and STRONG_ETAG.match(etag), "%s ETag %r", p, etag)
            eq({r.headers.get("etag") for r in rs}, {etag}, "%s ETag stable across requests" % p)
            _want_default_cc(api, rs[0], p + " with IASC_CACHE_BYTES=0")
            n, cached = inst.get(p, headers={"If-None-Match": etag})
            eq((n.status, n.body), (304, b""), "%s If-None-Match with IASC_CACHE_BYTES=0" % p)
            z, cached = inst.get(p, headers={"Accept-Encoding": "gzip"})
            check(not cached, "gzip GET %s from the cache", p)
            eq(z.headers.get("content-encoding"), "gzip", "%s Content-Encoding" % p)
            eq(gzip.decompress(z.body), rs[0].body, "%s gunzipped vs identity" % p)
            n = inst.r(p, headers={"Accept-Encoding": "gzip", "If-None-Match": z.headers.get("etag")})
            eq(n.status, 304, "%s gzip If-None-Match" % p)
        check(" cached " not in inst.server.log_text(), "IASC_CACHE_BYTES=0 instance logged a cache hit")
    finally:
        _stop(inst)
