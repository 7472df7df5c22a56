"""Helpers shared by the API tests: an HTTP client that sends paths as given,
the server/database handles, and assertion helpers. Python 3 stdlib only.

When IASC_CONTRACT_RECORD names a file, every exchange the tests make through request(),
raw_request() or record_raw() is appended to it as one JSON line (see record_exchange), for
tests/contract/validate.py to check against openapi.yaml."""

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse


class CIDict(dict):
    """Case-insensitive header dict; repeated headers are joined with ', '."""

    def __init__(self, pairs=()):
        super().__init__()
        for k, v in pairs:
            lk = k.lower()
            if lk in self:
                super().__setitem__(lk, dict.__getitem__(self, lk) + ", " + v)
            else:
                super().__setitem__(lk, v)

    def __getitem__(self, k):
        return super().__getitem__(k.lower())

    def __contains__(self, k):
        return super().__contains__(k.lower())

    def get(self, k, default=None):
        return super().get(k.lower(), default)


class Resp(tuple):
    """(status, headers, body, json) with attribute access too."""

    def __new__(cls, status, headers, body, js):
        return super().__new__(cls, (status, headers, body, js))

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])
    json = property(lambda self: self[3])

    def describe(self, n=400):
        b = self.body[:n].decode("utf-8", "replace")
        return "HTTP %s %s %r" % (self.status, self.headers.get("content-type"), b)


class TestFailure(AssertionError):
    pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _parse_json(headers, body):
    ct = (headers.get("content-type") or "").lower()
    if "json" not in ct or not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


class Server:
    """One running `BIN serve` process."""

    def __init__(self, binary, env, log_path, host="127.0.0.1"):
        self.binary = binary
        self.port = free_port()
        self.host = host
        self.log_path = log_path
        full_env = dict(os.environ)
        full_env.update(env)
        full_env.update({"PORT": str(self.port), "BIND": host})
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=full_env, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=self.log_file)
        self.ready_offset = 0

    def wait_healthy(self, timeout=20.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return "server exited with status %s before answering /healthz" % self.proc.returncode
            try:
                r = request(self.host, self.port, "/healthz", timeout=2)
                if r.status == 200:
                    self.ready_offset = os.path.getsize(self.log_path)
                    return None
                last = r.describe()
            except OSError as e:
                last = repr(e)
            time.sleep(0.1)
        return "GET /healthz did not answer 200 within %.0f s (last: %s)" % (timeout, last)

    def stop(self, timeout=10.0):
        """SIGTERM, wait; returns None when it stopped by itself, else a message."""
        msg = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                msg = "server did not exit within %.0f s of SIGTERM (killed)" % timeout
        self.log_file.close()
        return msg

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


# ---------------------------------------------------------------- recording for the contract suite

RECORD_PATH = os.environ.get("IASC_CONTRACT_RECORD") or None
_record_lock = threading.Lock()
recording_test = None  # set by the runners: the test whose requests are being recorded


def _redact(name, value):
    return "<redacted>" if name.lower() == "authorization" else value


def record_exchange(method, target, request_headers, status, response_headers, body, complete=True):
    """Appends one exchange to $IASC_CONTRACT_RECORD (a no-op when unset), as the JSON object
    {"test", "method", "target" (path and query, as sent), "request_headers" ([name, value]
    pairs; the Authorization value redacted), "status", "headers" ([name, value] pairs, as
    received), "body_b64" (the body as received, still content-coded), "complete" (false
    when the body ended before its Content-Length)}. Thread-safe; never raises on a bad
    header value."""
    if RECORD_PATH is None:
        return
    rec = {
        "test": recording_test,
        "method": method,
        "target": target,
        "request_headers": [[str(k), _redact(str(k), str(v))] for k, v in request_headers],
        "status": status,
        "headers": [[k, v] for k, v in response_headers],
        "body_b64": base64.b64encode(body or b"").decode("ascii"),
        "complete": bool(complete),
    }
    line = json.dumps(rec, separators=(",", ":")) + "\n"
    with _record_lock:
        with open(RECORD_PATH, "a", encoding="utf-8") as f:
            f.write(line)


def _split_request(raw):
    """(method, target, [(name, value)]) of the first request in raw bytes; None if unparsable."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    pairs = []
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            pairs.append((k.strip(), v.strip()))
    return parts[0], parts[1], pairs


def header_pairs(lines):
    """[(name, value)] of header lines ("Name: value"; lines without a colon are skipped)."""
    pairs = []
    for ln in lines:
        if ":" in ln:
            k, v = ln.split(":", 1)
            pairs.append((k.strip(), v.strip()))
    return pairs


def parse_responses(data):
    """Splits the bytes a connection received into responses: a list of (status, [(name,
    value)], body, complete). Bodies are delimited by Content-Length, else run to the end of
    data. Interim (1xx) responses are left out: they are HTTP framing, not answers. Stops at
    anything that does not start with a status line (a header block cut short included)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
        if not sep or not m:
            break
        status = int(m.group(1))
        pairs = header_pairs(lines[1:])
        if 100 <= status < 200:
            data = rest
            continue
        n = CIDict(pairs).get("content-length")
        if n is not None and n.strip().isdigit():
            n = int(n)
            body, data = rest[:n], rest[n:]
            out.append((status, pairs, body, len(body) == n))
        else:
            out.append((status, pairs, rest, True))
            data = b""
    return out


def record_raw(sent, received):
    """Records what a test that speaks HTTP over its own socket sent and received: each final
    response in received, paired with the request line of sent (one request per connection)."""
    if RECORD_PATH is None:
        return
    req = _split_request(sent)
    if req is None:
        return
    method, target, pairs = req
    for status, hdrs, body, complete in parse_responses(received):
        record_exchange(method, target, pairs, status, hdrs, body, complete)


def request(host, port, path, headers=None, method="GET", body=None, timeout=15, source=None):
    """One request on a new connection; source: the local address to send from (a loopback
    address such as 127.0.0.2, so that tests can be several clients)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        # skip_host/skip_accept_encoding only when the caller sets them.
        hdrs = dict(headers or {})
        lower = {k.lower() for k in hdrs}
        conn.putrequest(method, path, skip_host="host" in lower,
                        skip_accept_encoding="accept-encoding" in lower)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            if "content-length" not in lower:
                conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        hd = CIDict(resp.getheaders())
        record_exchange(method, path, hdrs.items(), resp.status, resp.getheaders(), data)
        return Resp(resp.status, hd, data, _parse_json(hd, data))
    finally:
        conn.close()


def raw_request(host, port, raw, timeout=10):
    """Sends raw bytes; returns Resp parsed from the answer (body read to EOF/Content-Length)."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(raw)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0] if lines else "")
        if not m:
            raise TestFailure("unparsable response to raw request: %r" % buf[:200])
        status = int(m.group(1))
        pairs = header_pairs(lines[1:])
        hd = CIDict(pairs)
        n = hd.get("content-length")
        complete = True
        if n is not None:
            n = int(n)
            while len(rest) < n:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            rest = rest[:n]
            complete = len(rest) == n
        req = _split_request(raw)
        if req is not None and not 100 <= status < 200:
            record_exchange(req[0], req[1], req[2], status, pairs, rest, complete)
        return Resp(status, hd, rest, _parse_json(hd, rest))
    finally:
        s.close()


class Api:
    def __init__(self, binary, database_url, server, psql_base, repo):
        self.binary = binary
        self.database_url = database_url
        self.server = server
        self.psql_base = psql_base  # argv prefix for psql connected to the scratch db
        self.repo = repo
        self.extra_servers = []

    @property
    def port(self):
        return self.server.port

    @property
    def host(self):
        return self.server.host

    @property
    def base(self):
        return "http://%s:%d" % (self.host, self.port)

    def get(self, path, headers=None, method="GET", body=None, timeout=15):
        return request(self.host, self.port, path, headers=headers, method=method, body=body, timeout=timeout)

    def raw(self, data):
        return raw_request(self.host, self.port, data)

    def psql(self, sql):
        """Runs SQL in the scratch database; returns stdout (unaligned, tuples only)."""
        p = subprocess.run(self.psql_base + ["-v", "ON_ERROR_STOP=1", "-XAtq", "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if p.returncode != 0:
            raise TestFailure("psql failed (%d): %s\nSQL: %s" % (p.returncode, p.stderr.decode(errors="replace"), sql))
        return p.stdout.decode()

    def run_cli(self, *args, env=None, timeout=30):
        e = dict(os.environ)
        e["DATABASE_URL"] = self.database_url
        if env:
            e.update(env)
        return subprocess.run([self.binary] + list(args), env=e, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)

    def start_server(self, env, log_path):
        e = {"IASC_LOG_LEVEL": "debug"}
        e.update(env)
        srv = Server(self.binary, e, log_path)
        self.extra_servers.append(srv)
        return srv


# ---------------------------------------------------------------- assertions

def check(cond, msg, *args):
    if not cond:
        raise TestFailure(msg % args if args else msg)


def eq(got, want, what):
    if got != want:
        raise TestFailure("%s: expected %r, got %r" % (what, want, got))


def ok_json(r, what):
    """Asserts a 200 JSON answer and returns the parsed body."""
    check(r.status == 200, "%s: expected 200, got %s", what, r.describe())
    ct = (r.headers.get("content-type") or "").lower()
    check(ct.startswith("application/json"), "%s: expected Content-Type application/json, got %r", what, ct)
    check(r.json is not None, "%s: body is not JSON: %r", what, r.body[:200])
    return r.json


def ok_list(r, what):
    js = ok_json(r, what)
    check(isinstance(js, dict) and isinstance(js.get("data"), list),
          "%s: expected {\"data\": [...]}, got %r", what, r.body[:200])
    check("next_cursor" in js, "%s: list body lacks next_cursor", what)
    return js


def problem(r, status, what, field=None, ptype=None):
    """Asserts an RFC 9457 problem answer with the status; field, when given,
    must be named (in errors[].field, or failing that in detail)."""
    check(r.status == status, "%s: expected %d, got %s", what, status, r.describe())
    ct = (r.headers.get("content-type") or "").lower()
    check(ct.startswith("application/problem+json"),
          "%s: expected Content-Type application/problem+json, got %r", what, ct)
    js = r.json
    check(isinstance(js, dict), "%s: problem body is not a JSON object: %r", what, r.body[:200])
    for k in ("type", "title", "status", "detail"):
        check(k in js, "%s: problem lacks %r: %r", what, k, js)
    check(js["status"] == status, "%s: problem status %r != %d", what, js.get("status"), status)
    check(isinstance(js["title"], str) and js["title"], "%s: problem title empty", what)
    if ptype is not None:
        check(str(js["type"]).endswith("/problems/" + ptype) or js["type"] == ptype,
              "%s: expected problem type /problems/%s, got %r", what, ptype, js["type"])
    if field is not None:
        fields = [e.get("field") for e in js.get("errors") or [] if isinstance(e, dict)]
        check(field in fields or field in str(js.get("detail")),
              "%s: problem does not name %r (errors=%r, detail=%r)", what, field, js.get("errors"), js.get("detail"))
    return js


def q(params):
    """Query string from a list of (name, value) pairs, percent-encoded."""
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def parse_link_next(link):
    if not link:
        return None
    for part in link.split(","):
        m = re.match(r'\s*<([^>]*)>\s*;(.*)$', part)
        if m and re.search(r'rel="?next"?', m.group(2)):
            return m.group(1)
    return None


def walk(api, path, what, max_pages=200):
    """Follows next_cursor from path; returns list of pages (json bodies)."""
    pages = []
    url = path
    seen_cursors = set()
    while True:
        r = api.get(url)
        js = ok_list(r, "%s (page %d: %s)" % (what, len(pages) + 1, url))
        pages.append(js)
        cur = js.get("next_cursor")
        if cur is None:
            check(parse_link_next(r.headers.get("link")) is None,
                  "%s: last page still has a Link rel=next: %r", what, r.headers.get("link"))
            return pages
        check(isinstance(cur, str) and cur, "%s: next_cursor must be a non-empty string or null: %r", what, cur)
        check(cur not in seen_cursors, "%s: next_cursor repeats (%r): endless pagination", what, cur)
        seen_cursors.add(cur)
        check(len(pages) < max_pages, "%s: more than %d pages", what, max_pages)
        sep = "&" if "?" in path else "?"
        url = path + sep + "cursor=" + urllib.parse.quote(cur, safe="")


def all_items(api, path, what):
    out = []
    for p in walk(api, path, what):
        out.extend(p["data"])
    return out


def slugs(items):
    return [x.get("slug") for x in items]


# ---------------------------------------------------------------- writes (tokens, requests with bodies)

def _api_token(self, scopes, name=None, expires=None):
    """Creates a bearer token with `BIN token create`; returns the secret (the last stdout
    line). scopes: "news:write,admin" or a list of scopes."""
    if not isinstance(scopes, str):
        scopes = ",".join(scopes)
    self._token_n = getattr(self, "_token_n", 0) + 1
    if name is None:
        name = "test-%d-%s" % (self._token_n, scopes.replace(",", "+"))[:100]
    args = ["token", "create", "--name", name, "--scope", scopes]
    if expires is not None:
        args += ["--expires", expires]
    p = self.run_cli(*args)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0 or not out.strip():
        raise TestFailure("`token create --name %s --scope %s` exited %d: %s%s" % (
            name, scopes, p.returncode, out[-500:], p.stderr.decode(errors="replace")[-500:]))
    return out.strip().splitlines()[-1].strip()


def _api_send(self, method, path, token=None, json_body=None, headers=None, raw_body=None,
              content_type="application/json", timeout=15):
    """Sends method path with an optional bearer token and body: json_body (any JSON value,
    serialised) or raw_body (bytes/str sent as is). content_type=None sends no Content-Type
    (it is only sent when there is a body). Returns Resp (status, headers, body, json)."""
    hdrs = {}
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    body = None
    if raw_body is not None:
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    elif json_body is not None:
        body = json.dumps(json_body).encode("utf-8")
    if body is not None and content_type is not None:
        hdrs["Content-Type"] = content_type
    if headers:
        hdrs.update(headers)
    return request(self.host, self.port, path, headers=hdrs, method=method, body=body, timeout=timeout)


Api.token = _api_token
Api.send = _api_send

# Content and write-side tables whose state a refused write must leave alone.
WRITE_STATE_SQL = [
    ("news", "SELECT count(*), md5(coalesce(string_agg(id::text || ':' || version || ':' || coalesce(deleted_at::text, '')"
             " || ':' || status, ',' ORDER BY id), '')) FROM news"),
    ("publications", "SELECT count(*), md5(coalesce(string_agg(id::text || ':' || version || ':' || coalesce(deleted_at::text, '')"
                     " || ':' || status, ',' ORDER BY id), '')) FROM publications"),
    ("publication_documents", "SELECT count(*), md5(coalesce(string_agg(publication_id::text || position || url,"
                              " ',' ORDER BY publication_id, position), '')) FROM publication_documents"),
    ("helplines", "SELECT count(*), md5(coalesce(string_agg(id::text || ':' || version || ':' || coalesce(deleted_at::text, '')"
                  " || ':' || status, ',' ORDER BY id), '')) FROM helplines"),
    ("support_rates", "SELECT count(*), md5(coalesce(string_agg(id || ':' || version || ':' || coalesce(deleted_at::text, '')"
                      " || ':' || status, ',' ORDER BY id), '')) FROM support_rates"),
    ("resources", "SELECT count(*), md5(coalesce(string_agg(id::text || ':' || version || ':' || coalesce(deleted_at::text, '')"
                  " || ':' || status, ',' ORDER BY id), '')) FROM resources"),
    ("audit_log", "SELECT count(*), coalesce(max(id), 0)::text FROM audit_log"),
    ("idempotency_keys", "SELECT count(*), md5(coalesce(string_agg(token_id::text || key, ',' ORDER BY token_id, key), ''))"
                         " FROM idempotency_keys"),
    ("tokens", "SELECT count(*), md5(coalesce(string_agg(id::text || coalesce(revoked_at::text, ''), ',' ORDER BY id), ''))"
               " FROM tokens"),
]


def write_state(api):
    """A fingerprint of every content table, the audit log, idempotency keys and tokens
    (not last_used_at): equal before and after a write the server refused."""
    sql = " UNION ALL ".join("SELECT '%s', * FROM (%s) s%d" % (n, s, i) for i, (n, s) in enumerate(WRITE_STATE_SQL))
    return dict(line.split("|", 1) for line in api.psql(sql).strip().splitlines())


def shared_token(api, scopes):
    """A token with these scopes, created once per run and reused (never revoke it)."""
    if not isinstance(scopes, str):
        scopes = ",".join(scopes)
    cache = api.__dict__.setdefault("_shared_tokens", {})
    if scopes not in cache:
        cache[scopes] = api.token(scopes, name="shared " + scopes)
    return cache[scopes]


CONTENT_KEYS = [("news", "slug"), ("publications", "slug"), ("helplines", "slug"),
                ("support_rates", "id"), ("resources", "slug")]


def purge_items(api, prefix):
    """Hard-deletes (tombstones too) every content row whose slug (support rates: id) starts
    with prefix, so that later test files see the starter data only. Audit rows stay."""
    check(len(prefix) >= 4 and "%" not in prefix and "'" not in prefix, "purge_items: bad prefix %r", prefix)
    api.psql("; ".join("DELETE FROM %s WHERE %s LIKE '%s%%'" % (t, k, prefix) for t, k in CONTENT_KEYS))


def run_threads(n, fn):
    """Runs fn(i) in n threads released together; returns the results in order (raises
    the first exception any of them raised)."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        try:
            barrier.wait(10)
            out[i] = fn(i)
        except Exception as e:  # reported by the caller
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for o in out:
        if isinstance(o, Exception):
            raise o
    return out


def start_refused(api, env, name, log_name):
    """Starts `serve` with env (DATABASE_URL added) and asserts that it refuses to start: it
    exits non-zero within 15 s and its message names the setting name."""
    srv = api.start_server(dict({"DATABASE_URL": api.database_url}, **env),
                           os.path.join(api.workdir, log_name))
    try:
        srv.proc.wait(15)
    except Exception:
        srv.stop(5)
        raise AssertionError("serve with %r kept running" % env)
    check(srv.proc.returncode != 0, "serve with %r exited 0", env)
    check(name in srv.log_text(), "serve with %r: the message does not name %s: %r", env, name,
          srv.log_text()[-500:])
    srv.stop(1)
