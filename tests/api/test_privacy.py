"""Privacy: people looking up helplines may be victims. No log line holds a client
IP, a forwarded-for value, or the query string of a /v1/helplines request
(the server runs with IASC_LOG_LEVEL=debug)."""

import os
import time

from apilib import check, ok_list

SECRETS = ["Scotland", "jurisdiction=", "urgency=", "anonymous", "203.0.113.77", "198.51.100.23", "192.0.2.60",
           "127.0.0.1"]


def _read_from(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def test_helpline_lookups_leave_no_trace_in_logs(api):
    log = api.server.log_path
    start = os.path.getsize(log)
    hdrs = {"X-Forwarded-For": "203.0.113.77", "X-Real-IP": "198.51.100.23", "Forwarded": "for=192.0.2.60"}
    ok_list(api.get("/v1/helplines?jurisdiction=Scotland", headers=hdrs), "helplines for Scotland")
    ok_list(api.get("/v1/helplines?urgency=anonymous&jurisdiction=Scotland", headers=hdrs), "anonymous lines")
    api.get("/v1/helplines?jurisdiction=Scotland&bogus=1", headers=hdrs)  # a 400 must not log it either
    api.get("/v1/helplines?jurisdiction=Scotland&limit=0", headers=hdrs)
    time.sleep(0.5)
    seg = _read_from(log, start)
    leaks = [s for s in SECRETS if s in seg]
    lines = [ln for ln in seg.splitlines() if any(s in ln for s in leaks)]
    check(not leaks, "server log holds %r after helpline lookups:\n%s", leaks, "\n".join(lines[:10]))
    check("/v1/helplines" in seg, "no log line mentions /v1/helplines (is request logging on at debug level?):\n%s",
          seg[:1500])


def test_no_client_ip_in_any_log_line(api):
    srv = api.server
    api.get("/v1/news?limit=1", headers={"X-Forwarded-For": "203.0.113.77"})
    api.get("/v1/nope", headers={"X-Forwarded-For": "203.0.113.77"})
    time.sleep(0.3)
    text = _read_from(srv.log_path, srv.ready_offset)  # after startup: a "listening on" line may name BIND
    for s in ("127.0.0.1", "203.0.113.77"):
        lines = [ln for ln in text.splitlines() if s in ln]
        check(not lines, "server log holds the client address %s:\n%s", s, "\n".join(lines[:10]))
