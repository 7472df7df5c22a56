"""Rate limits: token buckets per client address (127.0.0.x loopback addresses play the
clients; 127.0.0.1 stays exempt) and per token, failed authentications per address,
RateLimit-Policy / RateLimit headers that count down, 429 problem+json with an honest
Retry-After, X-Forwarded-For only from trusted proxies, a bounded table, and start-up errors
that name a bad setting. Every request goes to this machine's loopback."""

import os
import re
import time

from apilib import check, eq, problem, request, shared_token, start_refused

LIMITS = {"IASC_RATE_EXEMPT": "127.0.0.1/32", "IASC_RATE_LIMIT": "60", "IASC_RATE_BURST": "5",
          "IASC_RATE_LIMIT_TOKEN": "120", "IASC_RATE_BURST_TOKEN": "4", "IASC_RATE_LIMIT_AUTH": "3",
          "IASC_RATE_CLIENTS": "16"}


def _server(api, name, env):
    """A server of its own with these limits (started once per name)."""
    key = "_ratelimit_" + name
    srv = api.__dict__.get(key)
    if srv is None:
        e = dict({"DATABASE_URL": api.database_url}, **env)
        srv = api.start_server(e, os.path.join(api.workdir, "server-ratelimit-%s.log" % name))
        err = srv.wait_healthy(20)
        check(err is None, "server %s: %s\n%s", name, err, srv.log_text()[-2000:])
        api.__dict__[key] = srv
    return srv


def _get(srv, source, path="/v1/helplines?limit=1", headers=None, method="GET", body=None):
    return request(srv.host, srv.port, path, headers=headers, method=method, body=body, source=source)


def _state(r, name="default"):
    """(r, t) of the RateLimit header, after checking it names the policy."""
    m = re.fullmatch(r'"%s";r=(\d+);t=(\d+)' % re.escape(name), r.headers.get("ratelimit") or "")
    check(m is not None, "RateLimit %r (policy %s) in %s", r.headers.get("ratelimit"), name, r.describe(200))
    return int(m.group(1)), int(m.group(2))


def _refused(r, what):
    js = problem(r, 429, what, ptype="quota-exceeded")
    retry = r.headers.get("retry-after") or ""
    check(retry.isdigit() and int(retry) >= 1, "%s: Retry-After %r", what, retry)
    return js, int(retry)


def test_a_burst_from_one_address_is_limited_while_another_is_not(api):
    srv = _server(api, "a", LIMITS)
    seen = []
    for i in range(5):
        r = _get(srv, "127.0.0.2")
        eq(r.status, 200, "request %d of the burst (%s)" % (i + 1, r.describe()))
        eq(r.headers.get("ratelimit-policy"), '"default";q=60;w=60', "RateLimit-Policy")
        seen.append(_state(r)[0])
    eq(seen, [4, 3, 2, 1, 0], "RateLimit r over a burst of 5 (burst 5)")
    js, retry = _refused(_get(srv, "127.0.0.2"), "the 6th request of the burst")
    r = _get(srv, "127.0.0.2", "/v1/news?limit=1")
    eq(r.status, 429, "another path from the same address")
    eq(_state(r), (0, int(r.headers["retry-after"])), "RateLimit of a refusal points at Retry-After")
    other = _get(srv, "127.0.0.3")
    eq(other.status, 200, "another address (%s)" % other.describe())
    eq(_state(other)[0], 4, "the other address's own budget")
    exempt = _get(srv, "127.0.0.1")
    eq(exempt.status, 200, "an exempt address")
    check("ratelimit" not in exempt.headers, "an exempt answer carries RateLimit: %r", exempt.headers.get("ratelimit"))
    eq(_get(srv, "127.0.0.2", "/healthz").status, 200, "/healthz is never limited")


def test_retry_after_is_honest(api):
    srv = _server(api, "a", LIMITS)
    for _ in range(6):
        r = _get(srv, "127.0.0.4")
    _, retry = _refused(r, "over the budget")
    time.sleep(retry)
    r = _get(srv, "127.0.0.4")
    eq(r.status, 200, "a request %d s after Retry-After said %d (%s)" % (retry, retry, r.describe()))


def test_a_token_has_its_own_budget(api):
    srv = _server(api, "a", LIMITS)
    token = shared_token(api, "metrics")
    auth = {"Authorization": "Bearer " + token}
    seen = []
    for i in range(4):
        r = _get(srv, "127.0.0.5", "/v1/news?limit=1", headers=auth)
        eq(r.status, 200, "token request %d (%s)" % (i + 1, r.describe()))
        eq(r.headers.get("ratelimit-policy"), '"token";q=120;w=60', "RateLimit-Policy of a token holder")
        seen.append(_state(r, "token")[0])
    eq(seen, [3, 2, 1, 0], "RateLimit r of the token")
    _refused(_get(srv, "127.0.0.6", "/v1/news?limit=1", headers=auth), "the token from another address")
    r = _get(srv, "127.0.0.5")
    eq(r.status, 200, "the same address without the token")
    eq(_state(r)[0], 4, "the address's budget is not the token's")
    r = _get(srv, "127.0.0.5", headers={"Authorization": "Bearer " + shared_token(api, "admin")})
    eq((r.status, _state(r, "token")[0]), (200, 3), "another token from the same address")


def test_failed_authentications_are_limited_per_address(api):
    srv = _server(api, "a", LIMITS)
    bad = {"Authorization": "Bearer iasc_" + "0" * 64}
    seen = []
    for i in range(3):
        r = _get(srv, "127.0.0.7", "/v1/news?limit=1", headers=bad)
        problem(r, 401, "bad token %d" % (i + 1))
        seen.append(_state(r, "auth")[0])
    eq(seen, [2, 1, 0], "RateLimit r of the failed-authentication budget")
    js, retry = _refused(_get(srv, "127.0.0.7", "/v1/news?limit=1", headers=bad), "a 4th bad token")
    # About 20 s (one failure's worth at 3 a minute), less what refilled meanwhile.
    check(5 <= retry <= 20, "Retry-After %d for a budget of 3 a minute", retry)
    _refused(_get(srv, "127.0.0.7", "/v1/news?limit=1", headers={
        "Authorization": "Bearer " + shared_token(api, "admin")}), "a good token from a guessing address")
    eq(_get(srv, "127.0.0.7").status, 200, "the guessing address without a token")
    r = _get(srv, "127.0.0.8", "/v1/news?limit=1", headers=bad)
    eq((r.status, _state(r, "auth")[0]), (401, 2), "another address's failures")


def test_a_refusal_is_an_answer_never_a_dropped_connection(api):
    srv = _server(api, "a", LIMITS)
    for _ in range(5):
        _get(srv, "127.0.0.9")
    big = b'{"title": "' + b"x" * 200000 + b'"}'
    r = _get(srv, "127.0.0.9", "/v1/news", method="POST", body=big, headers={"Content-Type": "application/json"})
    _refused(r, "a POST with a body over the budget")
    r = _get(srv, "127.0.0.9", "/v1/news", method="OPTIONS")
    eq(r.status, 429, "OPTIONS over the budget")


def test_the_table_of_clients_is_bounded(api):
    srv = _server(api, "a", LIMITS)
    for i in range(40):
        eq(_get(srv, "127.0.1.%d" % (i + 1)).status, 200, "client 127.0.1.%d" % (i + 1))
    r = request(srv.host, srv.port, "/metrics", headers={"Authorization": "Bearer " + shared_token(api, "metrics")})
    m = re.search(r"^iasc_rate_limit_buckets (\d+)$", r.body.decode(), re.M)
    check(m is not None, "no iasc_rate_limit_buckets in the scrape")
    check(int(m.group(1)) <= 16, "%s buckets held with IASC_RATE_CLIENTS=16", m.group(1))
    rejected = re.search(r'^iasc_rate_limit_rejections_total\{limit="address"\} (\d+)$', r.body.decode(), re.M)
    check(rejected and int(rejected.group(1)) >= 1, "rejections not counted: %r", rejected)


def test_forwarded_for_counts_only_from_trusted_proxies(api):
    srv = _server(api, "proxy", {"IASC_RATE_EXEMPT": "none", "IASC_TRUSTED_PROXIES": "127.0.0.1/32",
                                 "IASC_RATE_LIMIT": "60", "IASC_RATE_BURST": "2"})
    via = lambda xff, src="127.0.0.1": _get(srv, src, headers={"X-Forwarded-For": xff})  # noqa: E731
    eq([via("203.0.113.7").status for _ in range(2)], [200, 200], "a client behind the proxy")
    _refused(via("198.51.100.1, 203.0.113.7"), "the same client, right-most untrusted entry")
    eq(via("203.0.113.8").status, 200, "another client behind the same proxy")
    eq(via("203.0.113.8, 127.0.0.1").status, 200, "a trusted hop is skipped")
    _refused(via("203.0.113.8, 127.0.0.1"), "the same client after two")
    # A client that is not a trusted proxy cannot choose its address.
    eq([via("203.0.113.%d" % i, "127.0.0.10").status for i in (20, 21)], [200, 200], "untrusted peer")
    _refused(via("203.0.113.22", "127.0.0.10"), "an untrusted peer's X-Forwarded-For is ignored")
    for srv_ in (srv, _server(api, "a", LIMITS)):
        log = srv_.log_text()
        for addr in ("203.0.113.", "198.51.100.1", "127.0.0.2", "127.0.0.10", "127.0.1."):
            check(addr not in log, "the server log holds the address %r", addr)


def test_bad_rate_settings_are_start_up_errors_naming_the_setting(api):
    cases = [({"IASC_RATE_EXEMPT": "10.0.0.0/33"}, "IASC_RATE_EXEMPT"),
             ({"IASC_TRUSTED_PROXIES": "proxy.example"}, "IASC_TRUSTED_PROXIES"),
             ({"IASC_RATE_LIMIT": "many"}, "IASC_RATE_LIMIT"),
             ({"IASC_RATE_BURST": "0"}, "IASC_RATE_BURST"),
             ({"IASC_RATE_LIMT": "60"}, "IASC_RATE_LIMT")]
    for i, (env, name) in enumerate(cases):
        start_refused(api, env, name, "server-ratelimit-bad-%d.log" % i)
