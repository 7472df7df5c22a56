"""/docs, the human reading of the contract: byte for byte the committed page
(src/routes/docs.html, made from openapi.yaml by scripts/build-docs; that it is current is
checked by `scripts/build-docs --check`, a suite of scripts/test), served like any public
answer (ETag, 304, gzip, HEAD, OPTIONS, 405) with a Content-Security-Policy of its own: this
origin only, its inline scripts by hash, also when the answer comes from the response
cache. And the page itself, opened in headless Chromium: it renders every path of
openapi.yaml and tries to reach nothing but the server (docs_browser.mjs drives the
browser and reports; the judging is here, and a page that misbehaves is shown to fail it)."""

import base64
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

import yaml

from apilib import check, eq, problem

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PAGE = os.path.join(REPO, "src", "routes", "docs.html")
DRIVER = os.path.join(HERE, "docs_browser.mjs")
CHROMIUM = os.environ.get("IASC_CHROMIUM", "/usr/bin/chromium")
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
SCRIPT = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.S | re.I)
CSP_JSON = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _page():
    with open(PAGE, "rb") as f:
        return f.read()


def _contract():
    with open(os.path.join(REPO, "openapi.yaml"), "rb") as f:
        return yaml.safe_load(f.read().decode("utf-8"))


def _operations():
    """Each path of openapi.yaml and its number of operations."""
    return {p: sum(1 for m in ops if m in METHODS) for p, ops in _contract()["paths"].items()}


def _directives(csp):
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _check_docs_csp(csp, page, what):
    """The CSP allows this origin only, and exactly the page's inline scripts (by hash)."""
    d = _directives(csp or "")
    eq(d.get("default-src"), ["'self'"], "%s: default-src" % what)
    hashes = sorted({"'sha256-%s'" % base64.b64encode(hashlib.sha256(s).digest()).decode()
                     for s in SCRIPT.findall(page)})
    check(hashes, "%s: the page has no inline script", what)
    eq(sorted(d.get("script-src", [])), hashes, "%s: script-src against the page's scripts" % what)
    eq(d.get("frame-ancestors"), ["'none'"], "%s: frame-ancestors" % what)
    eq(d.get("object-src"), ["'none'"], "%s: object-src" % what)
    for name, sources in d.items():
        for s in sources:
            check(s in ("'self'", "'none'", "data:") or s.startswith("'sha256-") or
                  (s == "'unsafe-inline'" and name == "style-src"),
                  "%s: %s allows %s (only this origin, hashes, data: fonts and inline styles)",
                  what, name, s)
        if name != "font-src":
            check("data:" not in sources, "%s: %s allows data:", what, name)
    pattern = _contract()["paths"]["/docs"]["get"]["responses"]["200"]["headers"][
        "Content-Security-Policy"]["schema"]["pattern"]
    check(re.search(pattern, csp), "%s: CSP %r does not match openapi.yaml's pattern %r", what, csp,
          pattern)


def test_docs_is_the_committed_page_byte_for_byte(api):
    r = api.get("/docs")
    eq(r.status, 200, "GET /docs")
    eq(r.headers.get("content-type"), "text/html; charset=utf-8", "Content-Type of /docs")
    eq(r.body, _page(), "the served page against src/routes/docs.html")
    check(r.headers.get("etag"), "no ETag on /docs")
    check((r.headers.get("cache-control") or "").startswith("public"), "Cache-Control %r",
          r.headers.get("cache-control"))
    eq(r.headers.get("x-content-type-options"), "nosniff", "X-Content-Type-Options")
    _check_docs_csp(r.headers.get("content-security-policy"), r.body, "GET /docs")
    # Every other answer keeps the CSP under which nothing runs.
    for path in ("/openapi.yaml", "/healthz", "/v1/helplines", "/docs/nothing"):
        eq(api.get(path).headers.get("content-security-policy"), CSP_JSON, "CSP of " + path)


def test_docs_csp_holds_from_the_cache_in_304_and_gzip(api):
    first = api.get("/docs")
    csp = first.headers.get("content-security-policy")
    # The second answer comes from the response cache (test_caching checks the cache itself);
    # the CSP is kept with the entry.
    again = api.get("/docs", headers={"X-Request-Id": "docs-cache-%d" % os.getpid()})
    eq(again.headers.get("content-security-policy"), csp, "CSP of /docs from the cache")
    eq(again.headers.get("etag"), first.headers.get("etag"), "ETag of /docs from the cache")
    log = api.server.log_text()
    check(re.search(r"req=docs-cache-%d GET /docs 200 cached" % os.getpid(), log),
          "the second GET /docs was not answered from the cache")
    r304 = api.get("/docs", headers={"If-None-Match": first.headers["etag"]})
    eq(r304.status, 304, "If-None-Match with the page's ETag")
    eq(r304.headers.get("content-security-policy"), csp, "CSP of the 304")
    gz = api.get("/docs", headers={"Accept-Encoding": "gzip"})
    eq(gz.headers.get("content-encoding"), "gzip", "gzip of /docs")
    eq(gzip.decompress(gz.body), _page(), "the gzip body of /docs")
    eq(gz.headers.get("content-security-policy"), csp, "CSP of the gzip answer")
    check(gz.headers.get("etag", "").endswith('-gz"'), "gzip ETag %r", gz.headers.get("etag"))


def test_docs_takes_head_options_any_accept_and_refuses_the_rest(api):
    r = api.get("/docs", method="HEAD")
    eq(r.status, 200, "HEAD /docs")
    eq(r.body, b"", "HEAD body")
    eq(r.headers.get("content-type"), "text/html; charset=utf-8", "HEAD Content-Type")
    check(r.headers.get("content-security-policy", "").startswith("default-src 'self'"),
          "HEAD /docs CSP %r", r.headers.get("content-security-policy"))
    r = api.get("/docs", method="OPTIONS")
    eq(r.status, 204, "OPTIONS /docs")
    check("GET" in (r.headers.get("allow") or ""), "Allow %r", r.headers.get("allow"))
    for accept in ("text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"):
        r = api.get("/docs", headers={"Accept": accept})
        eq(r.status, 200, "GET /docs with Accept: %s" % accept)
    problem(api.send("POST", "/docs", raw_body=b"{}"), 405, "POST /docs", ptype="method-not-allowed")
    problem(api.get("/docs?x=1"), 400, "a query parameter", field="x")


# ---------------------------------------------------------------- in the browser

def _browse(url, paths, max_rounds):
    """Runs docs_browser.mjs on url; returns (its report, Chromium's network log)."""
    check(os.path.exists(CHROMIUM), "%s is missing: install Debian's chromium (scripts/test does)",
          CHROMIUM)
    check(shutil.which("node"), "node is not on PATH (scripts/test installs nodejs)")
    check(os.path.isdir(os.path.join(REPO, "node_modules", "playwright-core")),
          "node_modules/playwright-core is missing: run `npm ci` (scripts/test does)")
    tmp = tempfile.mkdtemp(prefix="iasc-docs-browser-")
    try:
        netlog = os.path.join(tmp, "netlog.json")
        p = subprocess.run(["node", DRIVER, url, netlog, json.dumps(paths), str(max_rounds)],
                           cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        check(p.returncode == 0, "docs_browser.mjs exited %d:\n%s", p.returncode,
              p.stderr.decode(errors="replace")[-3000:])
        report = json.loads(p.stdout.decode("utf-8").strip().splitlines()[-1])
        with open(netlog, "rb") as f:
            log = json.loads(f.read().decode("utf-8"))
        return report, log
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _netlog_problems(log, url):
    """What Chromium's network log shows beyond the server: a request on behalf of the page
    (its network isolation key is the page's site) to another origin, or a TCP connection to
    any address but the server's. Chromium's own background requests (it has some even with
    its services off) are tolerated only because they cannot connect: every host but
    127.0.0.1 resolves to nothing. The log must show the page's own request and connection,
    so that a log this reading no longer understands fails instead of passing."""
    events = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    origin = url.split("/", 3)[:3]
    origin, host_port = "/".join(origin), origin[2]
    site = origin.rsplit(":", 1)[0]
    out, seen_page, seen_connect = [], False, False
    for e in log.get("events", []):
        kind, params = events.get(e.get("type")), e.get("params") or {}
        if kind == "URL_REQUEST_START_JOB" and "url" in params:
            if params.get("network_isolation_key", "").split(" ")[0] == site:
                seen_page = seen_page or params["url"] == url
                if not params["url"].startswith(origin + "/"):
                    out.append("the page requested %s" % params["url"])
        if kind in ("TCP_CONNECT", "TCP_CONNECT_ATTEMPT"):
            addr = params.get("remote_address") or params.get("address")
            seen_connect = seen_connect or addr == host_port
            if addr and addr != host_port:
                out.append("Chromium connected to %s" % addr)
    if not (seen_page and seen_connect):
        out.append("the network log shows no request of %s, or no connection to %s" % (url, host_port))
    return out


def _problems(report, log, url, paths):
    """Everything that keeps the page from being a working offline reading of the contract."""
    origin = "/".join(url.split("/", 3)[:3])
    out = []
    if report.get("status") != 200:
        out.append("the page answered %r" % report.get("status"))
    missing = ["%s (%d of %d operations)" % (p, report["shown"].get(p, 0), n)
               for p, n in sorted(paths.items()) if report["shown"].get(p, 0) < n]
    if missing:
        out.append("not rendered: " + ", ".join(missing))
    if not report.get("search_hits"):
        out.append("the page's search found nothing for 'helplines'")
    out += ["the page tried %s %s (%s)" % (r["method"], r["url"], r["type"])
            for r in report["requests"] if not r["url"].startswith(origin + "/")]
    out += ["the page opened a WebSocket to %s" % u for u in report["websockets"]]
    out += ["CSP violation: %s blocked %s (%s:%s)" % (v["directive"], v["blocked"], v["source"],
                                                     v["line"]) for v in report["violations"]]
    out += ["console %s: %s" % (m["type"], m["text"]) for m in report["console"]
            if m["type"] in ("error", "warning")]
    out += ["page error: " + e for e in report["page_errors"]]
    return out + _netlog_problems(log, url)


def test_docs_renders_every_path_offline_in_chromium(api):
    paths = _operations()
    report, log = _browse(api.base + "/docs", paths, 240)
    problems = _problems(report, log, api.base + "/docs", paths)
    check(not problems, "/docs in Chromium:\n  %s", "\n  ".join(problems))
    check(any(r["url"] == api.base + "/docs" for r in report["requests"]),
          "the browser's requests do not include the page itself: %r", report["requests"][:5])


class _BadPage(http.server.BaseHTTPRequestHandler):
    """A page that renders nothing and reaches for another origin (127.0.0.2: still this
    machine, and nothing is sent there: the browser aborts the image's request, and its CSP
    refuses the fetch)."""

    def do_GET(self):
        port = self.server.server_address[1]
        body = ('<!DOCTYPE html><title>bad</title><img src="http://127.0.0.2:%d/logo.png">'
                '<script>fetch("http://127.0.0.2:%d/telemetry", {method: "POST"})</script>'
                % (port, port)).encode()
        self.send_response(200 if self.path == "/docs" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", "connect-src 'self'")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_docs_browser_check_fails_a_page_that_reaches_elsewhere(api):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BadPage)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        origin = "http://127.0.0.1:%d" % srv.server_address[1]
        paths = {"/v1/news": 2}
        report, log = _browse(origin + "/docs", paths, 8)
        problems = "\n".join(_problems(report, log, origin + "/docs", paths))
    finally:
        srv.shutdown()
        srv.server_close()
    check("search found nothing" in problems, "a page without search was not reported:\n%s",
          problems)
    check("not rendered: /v1/news (0 of 2 operations)" in problems,
          "an empty page was not reported as unrendered:\n%s", problems)
    check(re.search(r"the page tried GET http://127\.0\.0\.2:\d+/logo\.png", problems),
          "the image from another origin was not reported:\n%s", problems)
    check(re.search(r"CSP violation: connect-src blocked http://127\.0\.0\.2:\d+/telemetry", problems),
          "the fetch the CSP refused was not reported:\n%s", problems)
