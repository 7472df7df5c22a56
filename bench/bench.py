#!/usr/bin/env python3
"""bench/bench.py: the benchmark itself, started by bench/run (which installs the tools and
builds the release binary first). Python 3 standard library only.

One run: a throw-away PostgreSQL 15 cluster (or DATABASE_URL) with the deterministic
dataset of bench/dataset.sql, then wrk rounds against nginx serving the server's own
response bytes, the server with its response cache on, the server with it off, and pgbench
running the server's own SQL. Prints one table and the target lines (PASS/MISS), and writes
them to bench/out/<timestamp>.txt (plus .json). See bench/README.md.
"""

import datetime
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_SYSUSER = "iascpg"  # runs the throw-away cluster when we are root (initdb refuses root)

MIB = 1024 * 1024


def env_int(name, default, lo, hi):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    if not re.fullmatch(r"[0-9]+", raw) or not lo <= int(raw) <= hi:
        die(f"{name} must be a whole number from {lo} to {hi}, got {raw!r}")
    return int(raw)


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"bench: error: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


# ------------------------------------------------------------------ settings

SECONDS = env_int("BENCH_SECONDS", 10, 1, 300)
THREADS = env_int("BENCH_THREADS", 2, 1, 64)
CONNS = [int(c) for c in os.environ.get("BENCH_CONNS", "64,256").split(",") if c.strip()]
# The server's default (src/util/config.c: 2 per CPU, 4 to 16), passed to it explicitly.
_CPUS = os.sysconf("SC_NPROCESSORS_ONLN")
WORKERS = env_int("IASC_WORKERS", 4 if _CPUS <= 2 else min(2 * _CPUS, 16), 1, 256)
PGBENCH_CLIENTS = env_int("BENCH_PGBENCH_CLIENTS", WORKERS, 1, 256)
CACHE_ON_BYTES = os.environ.get("BENCH_CACHE_BYTES", "67108864")
WRK_TIMEOUT = env_int("BENCH_WRK_TIMEOUT", 10, 1, 600)
WARMUP = env_int("BENCH_WARMUP_SECONDS", 1, 0, 60)
N_NEWS = 10000
N_PUBS = 1000
NULLS = os.environ.get("BENCH_PGBENCH_NULLS", "literal")
BINARY = os.environ.get("IASC_BIN", os.path.join(ROOT, "build-release", "iasc-api"))
EXE = BINARY  # the private copy the run executes (set in main)
RSS_MARGIN_MIB = 32  # issue 11: peak RSS <= the cache budget + 32 MiB, whatever the traffic
ITEM_SLUG = "news-05000"

if not CONNS or any(c < THREADS for c in CONNS):
    die(f"BENCH_CONNS must list connection counts of at least BENCH_THREADS ({THREADS})")
if NULLS not in ("literal", "nullif"):
    die("BENCH_PGBENCH_NULLS must be literal or nullif")

# The measured requests: name, path+query, the statement the server runs for it, and the
# parameters it passes for that anonymous request ({position: value}; None is SQL NULL).
# "BASE" is replaced by the base URL the server derives from the Host header
# (http://127.0.0.1:<port>). A position the statement has but this table lacks is NULL: the
# server's value for every unset filter (a note in the report lists them). Positions the
# statement does not have are ignored.
TARGETS = [
    ("list", "/v1/news?limit=20", "news_list",
     {1: "BASE", 2: "21", 3: None, 4: None, 5: None, 6: None, 7: None, 8: None, 9: None}),
    ("item", f"/v1/news/{ITEM_SLUG}", "news_get", {1: "BASE", 2: ITEM_SLUG, 3: "false"}),
    ("search", "/v1/search?q=slavery", "search",
     {1: "BASE", 2: "21", 3: None, 4: None, 5: None, 6: "slavery",
      7: "{news,publications,resources}"}),
]
PHASES = [("cache on", CACHE_ON_BYTES), ("cache off", "0")]

# The uncached rounds, in the cache-off phase: every request a URL no earlier request of the
# run used (bench/uncached.lua: KIND), so that no cache could answer it, each against pgbench
# running a plain query of the same shape (bench/plain/NAME.sql), with issue 11's target for
# the ratio: name, KIND, plain query, target, what the requests look like.
UNCACHED = [
    ("search-u", "search", "ranked", 1.0, "/v1/search?q=slavery -zq<n>"),
    ("news-q-u", "news-q", "ranked", 1.5, "/v1/news?q=slavery -zq<n>"),
    ("range-u", "range", "range", 0.5, "/v1/news?limit=20&from=<d1>&to=<d2>"),
    ("range-tag-u", "range-tag", "range-tag", 0.5, "/v1/news?limit=20&from=<d1>&to=<d2>&tag=<t>"),
]
UNCACHED_SCRIPT = os.path.join(HERE, "uncached.lua")
UNCACHED_CAPACITY = 408000  # distinct date pairs uncached.lua makes (see there)


# ------------------------------------------------------------------ clean-up

CLEANUPS = []  # callables, run last-in first-out on every exit


def run_cleanups():
    while CLEANUPS:
        fn = CLEANUPS.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up
            print(f"bench: clean-up step failed: {e}", file=sys.stderr)


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def stop_process(proc, name, sig=signal.SIGTERM):
    if proc.poll() is not None:
        return
    log(f"stopping {name} (pid {proc.pid})")
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


# ------------------------------------------------------------------ helpers

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    """Runs cmd, dies with its output when it fails."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    p = subprocess.run(cmd, check=False, **kw)
    if p.returncode != 0:
        out = (p.stdout or "").strip()
        die(f"{' '.join(cmd)} failed (exit {p.returncode})" + (f":\n{out}" if out else ""))
    return p


def fetch(url, timeout=30):
    """GET url: (status, headers as a list of (name, value), body bytes)."""
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, list(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, list(e.headers.items()), e.read()


# ------------------------------------------------------------------ PostgreSQL

class Database:
    """The throw-away cluster under the temp dir, or the one DATABASE_URL names."""

    def __init__(self, tmp):
        self.external = os.environ.get("DATABASE_URL", "") != ""
        self.conninfo = os.environ.get("DATABASE_URL", "")
        self.tmp = tmp
        self.user = None
        self.pgdata = os.path.join(tmp, "pg")
        self.rundir = os.path.join(tmp, "pgrun")

    def as_owner(self, cmd):
        if self.user == pwd.getpwuid(os.geteuid()).pw_name:
            return cmd
        return ["runuser", "-u", self.user, "--"] + cmd

    def start(self):
        if self.external:
            log("DATABASE_URL is set: using it (no throw-away cluster)")
            return
        # Our psql, pgbench and the server must all reach the throw-away cluster's socket.
        for env in ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE",
                    "PGPASSWORD", "PGOPTIONS"):
            os.environ.pop(env, None)
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            die(f"{PG_BIN}/initdb not found (package postgresql-15)")
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(PG_SYSUSER)
            except KeyError:
                log(f"creating system user {PG_SYSUSER} to run PostgreSQL (initdb refuses root)")
                run(["useradd", "--system", "--user-group", "--no-create-home",
                     "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", PG_SYSUSER])
            self.user = PG_SYSUSER
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        for d in (self.pgdata, self.rundir):
            os.mkdir(d, 0o700)
            if os.geteuid() == 0:
                pw = pwd.getpwnam(self.user)
                os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(self.rundir, 0o755)
        log(f"initdb {self.pgdata} (as {self.user})")
        run(self.as_owner([f"{PG_BIN}/initdb", "-D", self.pgdata, "-A", "trust", "-U",
                           "postgres", "--encoding=UTF8", "--locale=C.UTF-8",
                           "--no-instructions"]), cwd="/")
        conf = (
            "\n# bench/run: a throw-away cluster, unix socket only\n"
            "listen_addresses = ''\n"
            "port = 5432\n"
            f"unix_socket_directories = '{self.rundir}'\n"
            "max_connections = 300\n"
            # Only the load writes; the measured requests are all reads.
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
        with open(os.path.join(self.pgdata, "postgresql.conf"), "a", encoding="utf-8") as f:
            f.write(conf)
        log("starting PostgreSQL 15 (socket only, no TCP)")
        CLEANUPS.append(self.stop)
        run(self.as_owner([f"{PG_BIN}/pg_ctl", "start", "-D", self.pgdata, "-l",
                           os.path.join(self.rundir, "postgres.log"), "-w", "-t", "60"]),
            cwd="/")
        base = f"host={self.rundir} port=5432 user=postgres"
        run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
             f"{base} dbname=postgres", "-c", "CREATE DATABASE iasc"])
        self.conninfo = f"{base} dbname=iasc"

    def stop(self):
        if self.external or self.user is None:
            return
        st = subprocess.run(self.as_owner([f"{PG_BIN}/pg_ctl", "status", "-D", self.pgdata]),
                            cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            check=False)
        if st.returncode == 0:
            log("stopping PostgreSQL")
            subprocess.run(self.as_owner([f"{PG_BIN}/pg_ctl", "stop", "-D", self.pgdata, "-m",
                                          "fast", "-w", "-t", "60"]), cwd="/",
                           stdout=subprocess.DEVNULL, check=False)

    def psql(self, sql):
        p = run([f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                 self.conninfo, "-c", sql], stderr=subprocess.PIPE)
        return p.stdout.strip()

    def load(self):
        log("migrating (iasc-api migrate)")
        run([EXE, "migrate"], env=dict(os.environ, DATABASE_URL=self.conninfo,
                                         IASC_LOG_LEVEL="error"))
        news = int(self.psql("SELECT count(*) FROM news"))
        pubs = int(self.psql("SELECT count(*) FROM publications"))
        marker = self.psql(f"SELECT count(*) FROM news WHERE slug = 'news-{N_NEWS:05d}' "
                           f"AND id = md5('bench-news-{N_NEWS}')::uuid")
        if news == N_NEWS and pubs == N_PUBS and marker == "1":
            log("the database already holds the benchmark dataset: reusing it")
            return
        if news or pubs:
            die(f"the database already has {news} news and {pubs} publications that are not "
                "the benchmark's dataset: give bench/run an empty database")
        log(f"loading the dataset ({N_NEWS} news, {N_PUBS} publications; bench/dataset.sql)")
        t0 = time.monotonic()
        run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"n_news={N_NEWS}",
             "-v", f"n_pubs={N_PUBS}", "-d", self.conninfo, "-f",
             os.path.join(HERE, "dataset.sql")])
        avg = self.psql("SELECT round(avg(length(body_markdown))) || ' B markdown, ' || "
                        "round(avg(length(body_html))) || ' B html' FROM news")
        log(f"loaded in {time.monotonic() - t0:.0f} s (news bodies: {avg})")


# ------------------------------------------------------------------ the API server

class Server:
    def __init__(self, tmp, conninfo, phase, cache_bytes):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.phase = phase
        # The rounds saturate the server on purpose (256 clients of 60 ms searches wait about
        # 2 s for a database worker): the queue timeout, which would shed that load with 503s
        # (tests/resilience checks it), is raised so that throughput is what is measured.
        env = dict(os.environ, DATABASE_URL=conninfo, PORT=str(self.port), BIND="127.0.0.1",
                   IASC_LOG_LEVEL="error", IASC_CACHE_BYTES=cache_bytes,
                   IASC_WORKERS=str(WORKERS))
        env.setdefault("IASC_QUEUE_TIMEOUT_MS", "30000")
        # The rate limiter judges every request, as it would on the internet (loopback is
        # exempt by default), with budgets no round can exhaust: its cost is measured, and
        # nothing is refused.
        env.setdefault("IASC_RATE_EXEMPT", "none")
        env.setdefault("IASC_RATE_LIMIT", "6000000")
        env.setdefault("IASC_RATE_BURST", "6000000")
        env.pop("IASC_PUBLIC_BASE_URL", None)  # item URLs from Host, as pgbench's $1 assumes
        self.logpath = os.path.join(tmp, f"server-{phase.replace(' ', '-')}.log")
        log(f"starting {os.path.relpath(BINARY, ROOT)} serve ({phase}: IASC_CACHE_BYTES={cache_bytes}, "
            f"port {self.port})")
        with open(self.logpath, "wb") as lf:
            self.proc = subprocess.Popen([EXE, "serve"], env=env, stdout=lf, stderr=lf,
                                         stdin=subprocess.DEVNULL)
        CLEANUPS.append(self.stop)
        for _ in range(120):
            if self.proc.poll() is not None:
                die(f"the server exited ({self.proc.returncode}); log:\n{self.tail()}")
            try:
                if fetch(self.base + "/readyz", timeout=2)[0] == 200:
                    SETTLING.append(self.proc.pid)
                    return
            except OSError:
                pass
            time.sleep(0.5)
        die(f"the server was not ready in 60 s; log:\n{self.tail()}")

    def tail(self):
        with open(self.logpath, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-20:])

    def memory(self):
        """(VmHWM, VmRSS) in bytes: the peak and current resident set."""
        vals = {}
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    vals[k] = int(v.split()[0]) * 1024
        return vals.get("VmHWM", 0), vals.get("VmRSS", 0)

    def stop(self):
        if self.proc.pid in SETTLING:
            SETTLING.remove(self.proc.pid)
        stop_process(self.proc, f"the server ({self.phase})")


# ------------------------------------------------------------------ nginx

HOP_HEADERS = {"date", "content-length", "content-type", "connection", "keep-alive",
               "transfer-encoding", "server", "etag", "last-modified", "accept-ranges"}


def nginx_quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Nginx:
    """Debian's nginx serving, at the same paths, the exact bytes the server answered."""

    def __init__(self, tmp, responses):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        prefix = os.path.join(tmp, "nginx")
        htdocs = os.path.join(prefix, "htdocs")
        os.makedirs(os.path.join(prefix, "tmp"), mode=0o755)
        os.makedirs(htdocs, mode=0o755)
        locations = []
        for name, path, _stmt, _params in TARGETS:
            status, headers, body = responses[name]
            with open(os.path.join(htdocs, f"{name}.body"), "wb") as f:
                f.write(body)
            os.chmod(os.path.join(htdocs, f"{name}.body"), 0o644)
            ctype = next((v for k, v in headers if k.lower() == "content-type"),
                         "application/json")
            lines = [f"      default_type {nginx_quote(ctype)};"]
            for k, v in headers:
                if k.lower() in HOP_HEADERS or "$" in v or "$" in k:
                    continue
                lines.append(f"      add_header {k} {nginx_quote(v)};")
            locations.append(f"    location = {path.split('?')[0]} {{\n" + "\n".join(lines)
                             + f"\n      try_files /{name}.body =404;\n    }}")
        version = subprocess.run(["nginx", "-V"], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, check=False).stdout
        temp_paths = [f"  client_body_temp_path {prefix}/tmp/body;"]
        for m in ("proxy", "fastcgi", "uwsgi", "scgi"):
            if f"--without-http_{m}_module" not in version:
                temp_paths.append(f"  {m}_temp_path {prefix}/tmp/{m};")
        user = ""
        if os.geteuid() == 0:  # workers would otherwise run as a user that may not exist
            user = "user www-data www-data;\n" if _has_user("www-data") else \
                "user nobody nogroup;\n"
        conf = f"""# bench/run: nginx as the box's HTTP ceiling (static copies of the API's answers)
{user}worker_processes {os.environ.get("BENCH_NGINX_WORKERS", "auto")};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
  worker_connections 4096;
}}
http {{
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  open_file_cache max=64 inactive=600s;
  open_file_cache_valid 600s;
  types {{ }}
  default_type application/json;
{chr(10).join(temp_paths)}
  server {{
    listen 127.0.0.1:{self.port} reuseport;
    root {htdocs};
{chr(10).join(locations)}
    location / {{
      return 404;
    }}
  }}
}}
"""
        conf_path = os.path.join(prefix, "nginx.conf")
        with open(conf_path, "w", encoding="utf-8") as f:
            f.write(conf)
        cmd = ["nginx", "-p", prefix, "-c", conf_path, "-e", os.path.join(prefix, "error.log")]
        run(cmd + ["-t", "-q"])
        log(f"starting nginx (port {self.port}, {conf_path})")
        self.proc = subprocess.Popen(cmd + ["-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        CLEANUPS.append(self.stop)
        for _ in range(60):
            if self.proc.poll() is not None:
                die(f"nginx exited ({self.proc.returncode}); see {prefix}/error.log")
            try:
                fetch(self.base + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        for name, path, _stmt, _params in TARGETS:
            status, _h, body = fetch(self.base + path)
            if status != 200 or body != responses[name][2]:
                die(f"nginx does not serve the server's bytes for {path} (status {status})")

    def stop(self):
        stop_process(self.proc, "nginx", signal.SIGQUIT)  # graceful shutdown of the master


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


# ------------------------------------------------------------------ wrk

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


SETTLING = []  # the pids of the running servers: each wrk round ends when they are idle
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def settle():
    """Waits until the running server has gone idle (under a tick of CPU in half a second,
    at most 60 s): when wrk stops, the requests it leaves queued (256 searches of 60 ms wait
    seconds for a database worker) are still being answered, and must not run into the next
    round, which would be measured against that backlog."""
    deadline = time.monotonic() + 60
    t0 = time.monotonic()
    while SETTLING and time.monotonic() < deadline:
        before = sum(cpu_ticks(pid) for pid in SETTLING)
        time.sleep(0.5)
        if sum(cpu_ticks(pid) for pid in SETTLING) - before < 1:
            break
    if time.monotonic() - t0 > 2:
        log(f"waited {time.monotonic() - t0:.1f} s for the server to answer what wrk left queued")


def wrk(url, conns, seconds, script_args=None):
    """One wrk round; with script_args (KIND, OFFSET), bench/uncached.lua makes every URL.
    Returns once the server has answered what the round left queued (settle)."""
    cmd = ["wrk", f"-t{THREADS}", f"-c{conns}", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT}s",
           "--latency"]
    if script_args:
        cmd += ["-s", UNCACHED_SCRIPT, url, "--", script_args[0], str(script_args[1]),
                str(THREADS)]
    else:
        cmd.append(url)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=seconds + WRK_TIMEOUT + 60, check=False)
    out = p.stdout
    r = {"rps": 0.0, "p50": None, "p99": None, "non2xx": 0, "errors": 0, "requests": 0,
         "raw": out, "ok": p.returncode == 0}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    else:
        r["ok"] = False
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            r[key] = to_ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"(\d+) requests in", out)
    if m:
        r["requests"] = int(m.group(1))
    settle()
    return r


# ------------------------------------------------------------------ pgbench

def statements():
    """{name: sql} from `iasc-api statements`, or None when the binary lacks it."""
    p = subprocess.run([EXE, "statements"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=False)
    if p.returncode != 0:
        return None
    out, name, sql = {}, None, []
    for line in p.stdout.splitlines():
        m = re.fullmatch(r"-- (\S+) \((\d+) parameters?\)", line)
        if m:
            if name:
                out[name] = "\n".join(sql).strip()
            name, sql = m.group(1), []
        elif name:
            sql.append(line)
    if name:
        out[name] = "\n".join(sql).strip()
    return out


def pgbench_script(sql, params, base):
    """The server's SQL with $n → :pn (a pgbench variable) or NULL; the -D definitions."""
    defs, guessed = {}, set()

    def sub(m):
        n = int(m.group(1))
        if n not in params:
            guessed.add(n)
        v = params.get(n)
        if v is None:
            if NULLS == "literal":
                return "NULL"
            defs["pnull"] = "-"  # pgbench refuses an empty -D value
            return "NULLIF(:pnull, '-')"
        defs[f"p{n}"] = base if v == "BASE" else v
        return f":p{n}"

    text = re.sub(r"\$(\d+)", sub, sql)
    if not text.endswith(";"):
        text += ";"
    return text, defs, sorted(guessed)


def pgbench(tmp, conninfo, name, script, defs, seconds, header=None):
    d = os.path.join(tmp, "pgbench")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"{name}.sql")
    with open(path, "w", encoding="utf-8") as f:
        f.write((header or f"-- bench/run: the server's SQL for the {name} request") +
                f"\n{script}\n")
    prefix = os.path.join(d, f"log-{name}-{time.monotonic_ns()}")
    cmd = [f"{PG_BIN}/pgbench" if os.path.exists(f"{PG_BIN}/pgbench") else "pgbench", "-n",
           "-M", "prepared", "-c", str(PGBENCH_CLIENTS), "-j",
           str(min(THREADS, PGBENCH_CLIENTS)), "-T", str(seconds), "-f", path, "-l",
           "--log-prefix", prefix]
    for k, v in defs.items():
        cmd += ["-D", f"{k}={v}"]
    cmd.append(conninfo)
    # The same session settings as the server's connections (src/db/pool.c), so that both
    # sides run the same plans.
    env = dict(os.environ, PGOPTIONS="-c plan_cache_mode=force_generic_plan -c TimeZone=UTC")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=seconds + 120, check=False, env=env)
    out = p.stdout
    r = {"rps": 0.0, "p50": None, "p99": None, "non2xx": 0, "errors": 0, "requests": 0,
         "raw": out, "ok": p.returncode == 0}
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if m:
        r["rps"] = float(m.group(1))
    else:
        r["ok"] = False
    m = re.search(r"number of failed transactions: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"number of transactions actually processed: (\d+)", out)
    if m:
        r["requests"] = int(m.group(1))
    lat = []
    for lf in glob.glob(prefix + ".*"):
        with open(lf, encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]))
        os.unlink(lf)
    if lat:
        lat.sort()
        r["p50"] = lat[min(len(lat) - 1, int(len(lat) * 0.50))] / 1000.0
        r["p99"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000.0
    if not r["ok"]:
        r["errors"] = max(r["errors"], 1)
    return r


# ------------------------------------------------------------------ report

def fmt_ms(v):
    return "-" if v is None else (f"{v:.2f}" if v < 100 else f"{v:.0f}")


def main():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    if not os.access(BINARY, os.X_OK):
        die(f"{BINARY} is not an executable (bench/run builds it)")

    started = datetime.datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    tmp = tempfile.mkdtemp(prefix="iasc-bench-")
    os.chmod(tmp, 0o755)  # the cluster's user and nginx's workers reach their parts of it
    if os.environ.get("BENCH_KEEP") == "1":
        log(f"BENCH_KEEP=1: keeping {tmp}")
    else:
        CLEANUPS.append(lambda: shutil.rmtree(tmp, ignore_errors=True))

    # Run a private copy of the binary, under another name: a rebuild of build-release/
    # during the run cannot change what is measured, and a `pkill iasc-api` aimed at some
    # other server on the box does not stop ours.
    global EXE
    EXE = os.path.join(tmp, "bench-server")
    shutil.copy2(BINARY, EXE)
    os.chmod(EXE, 0o755)

    db = Database(tmp)
    db.start()
    db.load()

    stmts = statements()
    if stmts is None:
        log("warning: `iasc-api statements` failed: no pgbench rounds (the database ceiling)")

    results = []  # dicts: who, target, conns, + wrk/pgbench fields
    memory = {}  # phase -> (VmHWM, VmRSS) after the last (largest) connection count
    responses = {}
    scripts = {}  # target -> the pgbench script's SQL
    notes = []
    nginx = None
    first_base = b""
    n_wrk = len(CONNS) * (len(TARGETS) * (2 + 1) + len(UNCACHED)) + 1  # + the cache fill
    n_pg = (len(TARGETS) if stmts else 0) + len({u[2] for u in UNCACHED})
    total = n_wrk + n_pg
    est = total * SECONDS + (len(TARGETS) * 3 + len(UNCACHED)) * WARMUP
    log(f"{total} rounds of {SECONDS} s (~{est // 60} min {est % 60} s of load)")
    done = 0

    def note(who, name, conns):
        nonlocal done
        done += 1
        log(f"round {done}/{total}: {who:<9} {name:<6} c={conns}")

    offset = 0  # the first request number of the next uncached round (bench/uncached.lua)

    def uncached_round(server, name, kind, conns, seconds, record):
        nonlocal offset
        r = wrk(server.base, conns, seconds, (kind, offset))
        if not r["ok"]:
            log(f"wrk failed:\n{r['raw'][-2000:]}")
        offset += r["requests"] + conns * 2 + THREADS  # requests in flight at the end too
        if record:
            results.append(dict(r, who=server.phase, target=name, conns=conns))

    def uncached_rounds(server, conns):
        """The uncached rounds at conns connections, each plain query's pgbench round first
        (once, at the first connection count)."""
        for name, kind, plain, _target, _shape in UNCACHED:
            if conns == CONNS[0] and f"plain-{plain}" not in scripts:
                note("pgbench", f"plain-{plain}", PGBENCH_CLIENTS)
                path = os.path.join(HERE, "plain", f"{plain}.sql")
                with open(path, encoding="utf-8") as f:
                    script = f.read()
                scripts[f"plain-{plain}"] = script
                r = pgbench(tmp, db.conninfo, f"plain-{plain}", script, {}, SECONDS,
                            header=f"-- bench/run: bench/plain/{plain}.sql")
                if not r["ok"]:
                    log(f"pgbench plain-{plain} failed:\n{r['raw'][-2000:]}")
                results.append(dict(r, who="pgbench", target=f"plain-{plain}",
                                    conns=PGBENCH_CLIENTS))
            note(server.phase, name, conns)
            uncached_round(server, name, kind, conns, SECONDS, True)

    def uncached_warmup(server):
        """Checks that each kind of uncached request answers 200 with rows, then warms it up
        (its statement variants prepared on every worker)."""
        first = {"search": "/v1/search?q=slavery%20-zq0", "news-q": "/v1/news?q=slavery%20-zq0",
                 "range": "/v1/news?limit=20&from=2016-01-01&to=2016-02-01",
                 "range-tag": "/v1/news?limit=20&from=2016-01-01&to=2016-03-01&tag=policing"}
        for name, kind, _plain, _target, _shape in UNCACHED:
            status, _h, body = fetch(server.base + first[kind])
            if status != 200 or b'"data":[]' in body:
                die(f"GET {first[kind]} answered {status} with no rows: {body[:300]!r}")
            if WARMUP:
                uncached_round(server, name, kind, CONNS[0], WARMUP, False)

    for phase, cache_bytes in PHASES:
        server = Server(tmp, db.conninfo, phase, cache_bytes)
        for name, path, _stmt, _params in TARGETS:
            status, headers, body = fetch(server.base + path)
            if status != 200:
                die(f"{phase}: GET {path} answered {status}: {body[:300]!r}; server log:\n"
                    + server.tail())
            if name not in responses:
                responses[name] = (status, headers, body)
                first_base = server.base.encode()
            elif body.replace(server.base.encode(), b"BASE") != \
                    responses[name][2].replace(first_base, b"BASE"):
                notes.append(f"{phase}: {path} answers other bytes than in the first phase "
                             "(beyond the port in its URLs)")
            if WARMUP:
                wrk(server.base + path, CONNS[0], WARMUP)  # statements prepared, cache filled
        if phase == PHASES[1][0]:
            uncached_warmup(server)
        if nginx is None:
            nginx = Nginx(tmp, responses)
            for _name, path, _s, _p in TARGETS:
                if WARMUP:
                    wrk(nginx.base + path, CONNS[0], WARMUP)
        for conns in CONNS:
            for name, path, stmt, params in TARGETS:
                if phase == PHASES[0][0]:
                    note("nginx", name, conns)
                    r = wrk(nginx.base + path, conns, SECONDS)
                    results.append(dict(r, who="nginx", target=name, conns=conns))
                elif stmts and conns == CONNS[0]:
                    note("pgbench", name, PGBENCH_CLIENTS)
                    if stmt not in stmts:
                        die(f"`iasc-api statements` has no statement {stmt}")
                    script, defs, guessed = pgbench_script(stmts[stmt], params, server.base)
                    scripts[name] = script
                    if guessed:
                        notes.append(f"pgbench {name}: {stmt} parameter(s) "
                                     + ", ".join(f"${n}" for n in guessed)
                                     + " unknown to bench.py: run as NULL (an unset filter)")
                    r = pgbench(tmp, db.conninfo, name, script, defs, SECONDS)
                    if not r["ok"]:
                        log(f"pgbench {name} failed:\n{r['raw'][-2000:]}")
                    results.append(dict(r, who="pgbench", target=name,
                                        conns=PGBENCH_CLIENTS))
                note(phase, name, conns)
                r = wrk(server.base + path, conns, SECONDS)
                if not r["ok"]:
                    log(f"wrk failed:\n{r['raw'][-2000:]}")
                results.append(dict(r, who=phase, target=name, conns=conns))
            if phase == PHASES[1][0]:
                uncached_rounds(server, conns)
            elif conns == CONNS[-1]:
                # Distinct answers fill the cache and make it evict: the peak RSS then says
                # what the cache budget costs whatever the traffic (issue 11: budget + 32 MiB).
                note(phase, "range-u (filling the cache)", conns)
                uncached_round(server, "range-u", "range", conns, SECONDS, True)
            if server.proc.poll() is not None:
                die(f"the server died during the {phase} rounds (exit status "
                    f"{server.proc.returncode}; negative: killed by that signal); log:\n"
                    + server.tail())
            memory[phase] = server.memory()
        server.stop()
        CLEANUPS.remove(server.stop)
    nginx.stop()
    CLEANUPS.remove(nginx.stop)

    if offset > UNCACHED_CAPACITY:
        notes.append(f"the uncached rounds sent {offset} requests: past {UNCACHED_CAPACITY}, "
                     "bench/uncached.lua repeats date pairs (not a cache hit with the cache off)")
    report = build_report(started, results, memory, stmts is not None, responses, notes)
    print(report)
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    txt = os.path.join(out_dir, f"{stamp}.txt")
    with open(txt, "w", encoding="utf-8") as f:
        f.write(report + "\n")
    with open(os.path.join(out_dir, f"{stamp}.json"), "w", encoding="utf-8") as f:
        json.dump({"started": started.isoformat(timespec="seconds"), "seconds": SECONDS,
                   "threads": THREADS, "conns": CONNS, "workers": WORKERS,
                   "pgbench_clients": PGBENCH_CLIENTS, "cache_on_bytes": CACHE_ON_BYTES,
                   "results": [{k: v for k, v in r.items() if k != "raw"} for r in results],
                   "peak_rss_bytes": {k: v[0] for k, v in memory.items()},
                   "pgbench_scripts": scripts,
                   "raw": [f"{r['who']} {r['target']} c={r['conns']}\n{r['raw']}"
                           for r in results]}, f, indent=1)
    log(f"written: {os.path.relpath(txt, ROOT)} (and .json with the raw tool output)")
    if os.environ.get("BENCH_STRICT") == "1" and "MISS" in report:
        return 1
    return 0


def git_describe():
    p = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       check=False)
    return p.stdout.strip() or "?"


def build_report(started, results, memory, have_pg, responses, notes):
    def get(who, target, conns=None):
        for r in results:
            if r["who"] == who and r["target"] == target and (conns is None
                                                                or r["conns"] == conns):
                return r
        return None

    lines = []
    lines.append(f"iasc-api benchmark  {started.isoformat(timespec='seconds')}  "
                 f"commit {git_describe()}  binary {os.path.relpath(BINARY, ROOT)}")
    lines.append(f"dataset: {N_NEWS} news (~3 KB bodies, 1-3 tags), {N_PUBS} publications; "
                 f"wrk -t{THREADS} -d{SECONDS}s, c={','.join(map(str, CONNS))}; "
                 f"server IASC_WORKERS={WORKERS}; pgbench -M prepared -c{PGBENCH_CLIENTS} "
                 f"-j{min(THREADS, PGBENCH_CLIENTS)} -T{SECONDS} (NULLs: {NULLS}); "
                 f"{os.cpu_count()} CPUs")
    lines.append("requests: " + ", ".join(
        f"{n} GET {p} ({len(responses[n][2])} B)" for n, p, _s, _q in TARGETS))
    lines.append("uncached (cache off phase; every URL new, bench/uncached.lua): " + ", ".join(
        f"{n} GET {shape} vs pgbench bench/plain/{plain}.sql"
        for n, _k, plain, _t, shape in UNCACHED))
    lines.append("phases: cache on = IASC_CACHE_BYTES=" + CACHE_ON_BYTES
                 + ", cache off = IASC_CACHE_BYTES=0 (the same until the server reads it)")
    lines.append("")
    hdr = (f"{'round':<10} {'target':<14} {'conns':>5} {'req/s':>10} {'p50 ms':>8} "
           f"{'p99 ms':>8} {'non-2xx':>8} {'sock-err':>8}")
    lines.append(hdr)
    lines.append("-" * len(hdr))
    order = ["nginx", PHASES[0][0], PHASES[1][0], "pgbench"]
    names = [t[0] for t in TARGETS] + [u[0] for u in UNCACHED]
    for plain in dict.fromkeys(u[2] for u in UNCACHED):  # each plain query after its targets
        last = max(i for i, u in enumerate(UNCACHED) if u[2] == plain)
        names.insert(names.index(UNCACHED[last][0]) + 1, f"plain-{plain}")
    for name in names:
        for who in order:
            for r in results:
                if r["who"] == who and r["target"] == name:
                    lines.append(f"{who:<10} {name:<14} {r['conns']:>5} {r['rps']:>10.1f} "
                                 f"{fmt_ms(r['p50']):>8} {fmt_ms(r['p99']):>8} "
                                 f"{r['non2xx']:>8} {r['errors']:>8}")
    lines.append("(pgbench: conns = its clients, which match the server's database "
                 "connections; non-2xx = failed transactions)")
    lines.append("")
    lines.append("peak RSS of the server (VmHWM after the "
                 f"{CONNS[-1]}-connection rounds): " + ", ".join(
                     f"{ph} {memory[ph][0] / MIB:.1f} MiB" for ph, _b in PHASES if ph in memory))
    lines.append("")
    lines.append("targets")
    verdicts = []

    def verdict(ok, text):
        verdicts.append(ok)
        lines.append(f"  {'PASS' if ok else 'MISS'}  {text}")

    unmeasured = []

    def na(text):
        unmeasured.append(text)
        lines.append(f"  n/a   {text}")

    on, off = PHASES[0][0], PHASES[1][0]
    for conns in CONNS:
        for name in ("list", "item"):
            s, n = get(on, name, conns), get("nginx", name, conns)
            ratio = s["rps"] / n["rps"] if n["rps"] else 0.0
            verdict(ratio >= 0.9, f"{on:<9} {name:<6} c={conns:<4} req/s {ratio:5.2f}x nginx's "
                                  f"(>= 0.90)   {s['rps']:.0f} vs {n['rps']:.0f}")
            if s["p99"] is not None and n["p99"]:
                pr = s["p99"] / n["p99"]
                verdict(pr <= 2.0, f"{on:<9} {name:<6} c={conns:<4} p99   {pr:5.2f}x nginx's "
                                   f"(<= 2.00)   {fmt_ms(s['p99'])} vs {fmt_ms(n['p99'])} ms")
            else:
                verdict(False, f"{on:<9} {name:<6} c={conns:<4} p99 not measured")
    for conns in CONNS:
        s, g = get(off, "list", conns), get("pgbench", "list")
        if not have_pg or g is None or not g["rps"]:
            na(f"{off:<9} list   c={conns:<4} req/s vs pgbench (no pgbench figure)")
            continue
        ratio = s["rps"] / g["rps"]
        verdict(ratio >= 0.8, f"{off:<9} list   c={conns:<4} req/s {ratio:5.2f}x pgbench's "
                              f"(>= 0.80)   {s['rps']:.0f} vs {g['rps']:.0f}")
    for phase in (on, off):
        for conns in CONNS:
            s, g = get(phase, "search", conns), get("pgbench", "search")
            if not have_pg or g is None or not g["rps"]:
                na(f"{phase:<9} search c={conns:<4} req/s vs pgbench (no pgbench figure)")
                continue
            ratio = s["rps"] / g["rps"]
            verdict(ratio >= 1.0, f"{phase:<9} search c={conns:<4} req/s {ratio:5.2f}x "
                                  f"pgbench's (>= 1.00)   {s['rps']:.0f} vs {g['rps']:.0f}")
    for name, _k, plain, target, _shape in UNCACHED:
        for conns in CONNS:
            s, g = get(off, name, conns), get("pgbench", f"plain-{plain}")
            if s is None or g is None or not g["rps"]:
                na(f"{off:<9} {name:<11} c={conns:<4} req/s vs plain-{plain} (not measured)")
                continue
            ratio = s["rps"] / g["rps"]
            verdict(ratio >= target, f"{off:<9} {name:<11} c={conns:<4} req/s {ratio:5.2f}x "
                                     f"plain-{plain}'s (>= {target:.2f})   {s['rps']:.0f} vs "
                                     f"{g['rps']:.0f}")
    for phase, budget in PHASES:
        if phase in memory:
            mib = memory[phase][0] / MIB
            limit = int(budget) / MIB + RSS_MARGIN_MIB
            verdict(mib <= limit, f"{phase:<9} peak RSS {mib:.1f} MiB after every round "
                                  f"(<= the cache budget + {RSS_MARGIN_MIB} MiB = {limit:.0f} MiB)")
    server_runs = [r for r in results if r["who"] in (on, off)]
    bad = sum(r["non2xx"] for r in server_runs)
    errs = sum(r["errors"] for r in server_runs)
    reqs = sum(r["requests"] for r in server_runs)
    verdict(bad == 0, f"non-2xx responses from the server: {bad} of {reqs} (must be 0)"
                      f"; socket errors (connect/read/write/timeout): {errs}")
    lines.append("")
    lines.append(f"{sum(verdicts)} PASS, {len(verdicts) - sum(verdicts)} MISS"
                 + (f", {len(unmeasured)} n/a" if unmeasured else ""))
    for n in notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run_cleanups()
