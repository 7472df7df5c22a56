"""GET /metrics: the Prometheus text exposition for a token with the metrics or admin scope
(401 without a token, 403 with another scope), accepted by `promtool check metrics`, with
counters that move when requests are made and labels that never hold a slug, a query value,
a token or an address."""

import re
import shutil
import subprocess
import time

from apilib import check, eq, problem, shared_token

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
OTEL_BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5",
               "5", "7.5", "10", "+Inf"]


def _scrape(api, token=None):
    token = token or shared_token(api, "metrics")
    r = api.get("/metrics", headers={"Authorization": "Bearer " + token})
    eq(r.status, 200, "GET /metrics with a metrics token (%s)" % r.describe())
    return r


def _samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def test_metrics_needs_a_token_with_the_metrics_or_admin_scope(api):
    r = api.get("/metrics")
    problem(r, 401, "GET /metrics without a token")
    check((r.headers.get("www-authenticate") or "").startswith("Bearer"), "WWW-Authenticate %r",
          r.headers.get("www-authenticate"))
    r = api.get("/metrics", headers={"Authorization": "Bearer " + shared_token(api, "news:write")})
    problem(r, 403, "GET /metrics with a news:write token")
    problem(api.get("/metrics", headers={"Authorization": "Bearer iasc_" + "0" * 64}), 401,
            "GET /metrics with an unknown token")
    _scrape(api, shared_token(api, "admin"))
    r = _scrape(api)
    eq(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8", "Content-Type")
    eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of a scrape")
    problem(api.send("POST", "/metrics", raw_body=b"{}"), 405, "POST /metrics", ptype="method-not-allowed")
    eq(api.get("/metrics", method="OPTIONS").status, 204, "OPTIONS /metrics")
    eq(api.get("/metrics", method="HEAD", headers={
        "Authorization": "Bearer " + shared_token(api, "metrics")}).status, 200, "HEAD /metrics")


def test_promtool_accepts_a_real_scrape(api):
    api.get("/v1/news?limit=2")
    api.get("/v1/nothing-here")
    text = _scrape(api).body
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    check(p.returncode == 0, "promtool check metrics exited %d:\n%s", p.returncode,
          p.stdout.decode(errors="replace")[-3000:])
    body = text.decode()
    for family in ["http_server_request_duration_seconds histogram", "iasc_cache_hits_total counter",
                   "iasc_cache_misses_total counter", "iasc_cache_evictions_total counter",
                   "iasc_cache_bytes gauge", "iasc_db_pool_in_use gauge", "iasc_db_pool_waiting gauge",
                   "iasc_db_pool_errors_total counter", "iasc_cache_invalidations_total counter",
                   "iasc_rate_limit_rejections_total counter", "iasc_webhook_deliveries_total counter",
                   "iasc_build_info gauge"]:
        check("# TYPE " + family + "\n" in body, "no family %r in the scrape", family)


def test_request_durations_have_otel_buckets_by_route_template(api):
    api.get("/v1/news?limit=2")
    body = _scrape(api).body.decode()
    les = re.findall(r'^http_server_request_duration_seconds_bucket\{method="GET",route="/v1/news",'
                     r'status_code="200",le="([^"]+)"\}', body, re.M)
    eq(les, OTEL_BOUNDS, "bucket bounds of GET /v1/news 200")


def test_counters_move_when_requests_are_made(api):
    before = _samples(_scrape(api).body.decode())
    path = "/v1/publications?limit=3&type=report"
    api.get(path)
    api.get(path)  # the second from the cache
    api.get("/v1/publications/no-such-publication")
    api.get("/nothing/at/all")
    after = _samples(_scrape(api).body.decode())

    def delta(key):
        return after.get(key, 0) - before.get(key, 0)

    count = 'http_server_request_duration_seconds_count{method="GET",route="%s",status_code="%s"}'
    eq(delta(count % ("/v1/publications", 200)), 2, "GET /v1/publications 200 counted")
    eq(delta(count % ("/v1/publications/{key}", 404)), 1, "an unknown publication counted by template")
    eq(delta(count % ("unmatched", 404)), 1, "an unknown path counted as unmatched")
    check(delta("iasc_cache_hits_total") >= 1, "cache hits did not move")
    check(delta("iasc_cache_misses_total") >= 1, "cache misses did not move")
    eq(delta(count % ("/metrics", 200)), 1, "the scrape between counted")
    check(after["iasc_db_pool_size"] >= 1, "no database workers reported")


def test_a_write_counts_an_invalidation(api):
    before = _samples(_scrape(api).body.decode())
    r = api.send("DELETE", "/v1/news/no-such-item-for-metrics", token=shared_token(api, "admin"))
    eq(r.status, 404, "DELETE of an unknown item")
    r = api.send("POST", "/v1/resources", token=shared_token(api, "admin"),
                 json_body={"title": "ZZ metrics resource", "slug": "zz-metrics-resource", "type": "guidance"})
    eq(r.status, 201, "POST a resource (%s)" % r.describe())
    after = _samples(_scrape(api).body.decode())
    key = 'iasc_cache_invalidations_total{source="write"}'
    eq(after[key] - before[key], 1, "invalidations by a write of this process")
    api.psql("DELETE FROM resources WHERE slug = 'zz-metrics-resource'")


def test_a_notification_from_another_writer_is_counted(api):
    key = 'iasc_cache_invalidations_total{source="notify"}'
    before = _samples(_scrape(api).body.decode())[key]
    api.psql("NOTIFY iasc_changes, 'news'")  # what a change made by another instance sends
    deadline = time.time() + 10
    while time.time() < deadline:
        if _samples(_scrape(api).body.decode())[key] > before:
            return
        time.sleep(0.1)
    raise AssertionError("a NOTIFY from another backend was not counted within 10 s")


def test_no_label_holds_a_slug_query_token_or_address(api):
    token = shared_token(api, "metrics")
    api.get("/v1/helplines/modern-slavery-helpline?x=1")
    api.get("/v1/helplines?jurisdiction=Scotland")
    api.get("/v1/news?q=exploitation", headers={"Authorization": "Bearer " + token})
    body = _scrape(api).body.decode()
    for secret in ["modern-slavery-helpline", "Scotland", "exploitation", token, "127.0.0.1", "jurisdiction"]:
        check(secret not in body, "the scrape holds %r", secret)
    check('route="/v1/helplines/{key}"' in body, "helpline items are not reported by their template")
