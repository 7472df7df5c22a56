#!/usr/bin/env python3
"""Resilience suite: the server against a PostgreSQL that is paused, stopped, restarted and
killed under it, hostile bodies, and a graceful drain.

    tests/resilience/run.py --binary build/iasc-api

Makes a throw-away PostgreSQL 15 cluster of its own (initdb in a temporary folder, unix
socket only; as the user iascpg when run as root, since initdb refuses root), migrates and
seeds it, starts the server against it with a short statement timeout, and runs each case.
Pausing is SIGSTOP of every process of that cluster. Traffic goes to 127.0.0.1/127.0.0.2
only, bounded in count and time. Prints a line per case, the figures the issue asks for
(longest wait while paused, peak RSS after a 300 MB form body, drain time), and ends with
"N passed, N failed". Stdlib only.
"""

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "api"))
sys.dont_write_bytecode = True

import apilib  # noqa: E402
from apilib import Server, record_raw, request  # noqa: E402

PG_BIN = "/usr/lib/postgresql/15/bin"
STATEMENT_TIMEOUT_MS = 1000
BUDGET_S = STATEMENT_TIMEOUT_MS / 1000 + 2  # the contract: statement timeout + 2 s
SERVER_ENV = {
    "IASC_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
    "IASC_WORKERS": "4",
    "IASC_QUEUE_TIMEOUT_MS": "500",
    "IASC_MAX_CONNECTIONS_PER_CLIENT": "16",
    "IASC_REQUEST_TIMEOUT": "3",
    "IASC_DRAIN_SECONDS": "5",
    "IASC_LOG_LEVEL": "info",
}
FIGURES = []


class Failure(AssertionError):
    pass


def check(cond, msg, *args):
    if not cond:
        raise Failure(msg % args if args else msg)


# ---------------------------------------------------------------- the cluster

class Cluster:
    """A PostgreSQL cluster in a temporary folder, run by an ordinary user."""

    def __init__(self):
        self.user = "iascpg" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", self.user], check=True)
        self.dir = tempfile.mkdtemp(prefix="iasc-resilience-")
        os.chmod(self.dir, 0o755)
        self.data, self.sock = os.path.join(self.dir, "pg"), os.path.join(self.dir, "run")
        os.mkdir(self.sock)
        if os.geteuid() == 0:
            shutil.chown(self.dir, self.user)
            shutil.chown(self.sock, self.user)
        self.url = "host=%s dbname=iasc user=postgres" % self.sock

    def run(self, *argv, check_rc=True, timeout=120):
        cmd = list(argv)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        p = subprocess.run(cmd, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        if check_rc and p.returncode != 0:
            raise Failure("%s failed: %s" % (argv[0], p.stdout.decode(errors="replace")[-800:]))
        return p.stdout.decode(errors="replace")

    def init(self):
        self.run(PG_BIN + "/initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                 "--no-sync")
        self.start()
        self.psql("CREATE DATABASE iasc", db="postgres")

    def start(self):
        opts = "-k %s -c listen_addresses='' -c fsync=off -c max_connections=40" % self.sock
        self.run(PG_BIN + "/pg_ctl", "-D", self.data, "-o", opts, "-l",
                 os.path.join(self.dir, "pg.log"), "-w", "-t", "60", "start")

    def stop(self):
        self.run(PG_BIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check_rc=False)

    def psql(self, sql, db="iasc", timeout=30):
        return self.run(PG_BIN + "/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
                        self.sock, "-U", "postgres", "-d", db, "-c", sql, timeout=timeout)

    def pids(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            master = int(f.readline())
        out = subprocess.run(["pgrep", "-P", str(master)], stdout=subprocess.PIPE).stdout
        return [master] + [int(p) for p in out.split()]

    def signal_all(self, sig):
        for pid in self.pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def destroy(self):
        self.signal_all(signal.SIGCONT) if os.path.exists(os.path.join(self.data, "postmaster.pid")) else None
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- helpers

def timed_get(srv, path, headers=None, timeout=15):
    t = time.monotonic()
    r = request(srv.host, srv.port, path, headers=headers, timeout=timeout)
    return r, time.monotonic() - t


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def parallel_gets(srv, paths):
    """Starts a GET of each path at once; returns a join() giving [(response, seconds)]."""
    results = []
    threads = [threading.Thread(target=lambda p=p: results.append(timed_get(srv, p)))
               for p in paths]
    for t in threads:
        t.start()

    def join():
        for t in threads:
            t.join(30)
        return results
    return join


def wait_for_200(srv, path, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            r = request(srv.host, srv.port, path, timeout=5)
            if r.status == 200:
                return r
            last = r.status
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise Failure("%s did not come back to 200 within %d s (last: %s)" % (path, seconds, last))


def admin_token(binary, url):
    env = dict(os.environ, DATABASE_URL=url)
    p = subprocess.run([binary, "token", "create", "--name", "resilience", "--scope", "admin"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check(p.returncode == 0, "token create failed: %s", p.stderr.decode(errors="replace"))
    return p.stdout.decode().strip().splitlines()[-1]


# ---------------------------------------------------------------- cases

def case_paused_database(ctx):
    srv, pg = ctx["srv"], ctx["pg"]
    # The background thread's first catch-up drops the cache once after start: warm up after.
    time.sleep(1.5)
    for _ in range(2):
        check(request(srv.host, srv.port, "/v1/news?limit=3").status == 200, "warm-up read")
    pg.signal_all(signal.SIGSTOP)
    longest = 0.0
    try:
        join = parallel_gets(srv, ["/v1/news?limit=%d" % (10 + i) for i in range(6)])
        time.sleep(0.2)
        for _ in range(20):  # while every database worker waits
            r, took = timed_get(srv, "/healthz")
            check(r.status == 200 and took < 0.5, "/healthz while paused: %s in %.3f s", r.status, took)
            r, took = timed_get(srv, "/v1/news?limit=3")
            check(r.status == 200 and took < 0.5, "cached read while paused: %s in %.3f s", r.status, took)
            time.sleep(0.05)
        for r, took in join():
            longest = max(longest, took)
            check(r.status == 503, "uncached read while paused: %s (want 503)", r.status)
            check(r.headers.get("retry-after"), "503 without Retry-After")
            check(took <= BUDGET_S + 0.5, "uncached read waited %.2f s (budget %.1f s)", took, BUDGET_S)
    finally:
        pg.signal_all(signal.SIGCONT)
    FIGURES.append("longest wait of a request while PostgreSQL was paused: %.2f s "
                   "(statement timeout %.1f s + 2 s = %.1f s)" % (longest, STATEMENT_TIMEOUT_MS / 1000, BUDGET_S))
    wait_for_200(srv, "/v1/news?limit=31", 15)


def case_stopped_and_restarted(ctx):
    srv, pg = ctx["srv"], ctx["pg"]
    pg.stop()
    try:
        r, took = timed_get(srv, "/v1/news?limit=32")
        check(r.status == 503 and took < BUDGET_S, "read with the database down: %s in %.2f s", r.status, took)
        r, took = timed_get(srv, "/healthz")
        check(r.status == 200 and took < 0.5, "/healthz with the database down: %s", r.status)
        r, _ = timed_get(srv, "/readyz")
        check(r.status == 503, "/readyz with the database down: %s", r.status)
    finally:
        pg.start()
    wait_for_200(srv, "/v1/news?limit=33", 20)
    wait_for_200(srv, "/readyz", 10)


SLOW_TRIGGER = """
CREATE OR REPLACE FUNCTION zz_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.title LIKE 'ZZ slow%' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
DROP TRIGGER IF EXISTS zz_slow ON news;
CREATE TRIGGER zz_slow BEFORE INSERT ON news FOR EACH ROW EXECUTE FUNCTION zz_slow();
"""


def post_news(srv, token, title, timeout=20):
    body = ('{"title": "%s", "summary": "s"}' % title).encode()
    return request(srv.host, srv.port, "/v1/news", method="POST", body=body, timeout=timeout,
                   headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})


def count(pg, sql):
    return int(pg.psql(sql).strip() or 0)


def case_write_connection_killed(ctx):
    """The connection of a write dies while the write runs: 503, and it is not sent again."""
    srv, pg, token = ctx["srv"], ctx["pg"], ctx["token"]
    pg.psql(SLOW_TRIGGER)
    out = []
    t = threading.Thread(target=lambda: out.append(post_news(srv, token, "ZZ slow killed")))
    t.start()
    time.sleep(0.7)
    pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE '%iasc_write%' AND pid <> pg_backend_pid()")
    t.join(20)
    check(out and out[0].status == 503, "write whose connection was killed: %s",
          out[0].status if out else "no answer")
    time.sleep(2.5)  # a re-sent write would have finished by now
    n = count(pg, "SELECT count(*) FROM news WHERE title = 'ZZ slow killed'")
    check(n == 0, "the killed write left %d item(s): it was sent again", n)


def case_write_outcome_unknown(ctx):
    """PostgreSQL stops answering during a write that then commits: applied once, never twice."""
    srv, pg, token = ctx["srv"], ctx["pg"], ctx["token"]
    out = []
    t = threading.Thread(target=lambda: out.append(post_news(srv, token, "ZZ slow paused")))
    t.start()
    time.sleep(0.7)
    pg.signal_all(signal.SIGSTOP)
    try:
        t.join(BUDGET_S + 3)
        check(out and out[0].status == 503, "write with no answer by the deadline: %s",
              out[0].status if out else "no answer")
    finally:
        pg.signal_all(signal.SIGCONT)
    time.sleep(3.5)
    n = count(pg, "SELECT count(*) FROM news WHERE title = 'ZZ slow paused'")
    a = count(pg, "SELECT count(*) FROM audit_log WHERE after->>'title' = 'ZZ slow paused'")
    check(n <= 1 and a == n, "the write was applied %d time(s) with %d audit row(s)", n, a)
    pg.psql("DROP TRIGGER zz_slow ON news")


def case_big_form_body(ctx):
    srv = ctx["srv"]
    before = vm_hwm_kib(srv.proc.pid)
    size = 300 * 1024 * 1024
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    s.sendall(b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
              b"\r\nContent-Length: %d\r\n\r\n" % size)
    chunk = b"a=" + b"b" * (1024 * 1024 - 2)
    sent = 0
    try:
        while sent < size:
            s.sendall(chunk[:min(len(chunk), size - sent)])
            sent += len(chunk)
    except OSError:
        pass
    head = s.recv(200)  # the status line only: too little to record for the contract suite
    s.close()
    check(head.startswith(b"HTTP/1.1 413") or head.startswith(b"HTTP/1.1 415"),
          "300 MB form body: %r", head[:40])
    after = vm_hwm_kib(srv.proc.pid)
    limit_kib = 1024  # IASC_MAX_BODY_BYTES, the default 1 MiB
    FIGURES.append("peak RSS (VmHWM) after a 300 MB form body: %.1f MiB (before it: %.1f MiB)"
                   % (after / 1024, before / 1024))
    check(after <= before + limit_kib + 8 * 1024, "VmHWM rose from %d to %d KiB", before, after)


def case_conflicting_lengths(ctx):
    srv = ctx["srv"]
    for raw in (b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"):
        s = socket.create_connection((srv.host, srv.port), timeout=5)
        s.sendall(raw)
        data = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
        except socket.timeout:
            raise Failure("connection left open after a conflicting framing")
        s.close()
        record_raw(raw, data)
        check(data.startswith(b"HTTP/1.1 400"), "conflicting framing: %r", data[:40])


def case_half_close(ctx):
    srv = ctx["srv"]
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    s.sendall(b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{\"title\"")
    s.shutdown(socket.SHUT_WR)
    # What comes back is not read as an answer (nor recorded for the contract suite): only
    # the close counts. The same in the next case.
    t = time.monotonic()
    try:
        while s.recv(4096):
            pass
    except (socket.timeout, ConnectionResetError):
        pass
    took = time.monotonic() - t
    s.close()
    check(took < 1.9, "a half-closed connection stayed open %.2f s", took)


def case_slow_body_absolute_limit(ctx):
    srv = ctx["srv"]
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall(b"POST /v1/news HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n")
    t = time.monotonic()
    closed = False
    while time.monotonic() - t < 8:
        try:
            s.sendall(b" ")
            s.settimeout(0.5)
            if s.recv(4096) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:
            closed = True
            break
    s.close()
    check(closed and time.monotonic() - t < 6, "a body sent one byte at a time was not cut off "
          "at the 3 s request limit (%.1f s)", time.monotonic() - t)


def _served(sock):
    """Sends GET /healthz on an open connection; True when an answer comes back (its first
    100 bytes are read, so it is not recorded for the contract suite)."""
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        return sock.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def case_connections_per_client(ctx):
    """20 connections from one address at once: 16 (the limit) are served, the rest closed;
    another address is still served."""
    srv = ctx["srv"]
    held = []
    try:
        # From 127.0.0.3, which no other case uses: none of their connections counts here.
        for _ in range(20):
            held.append(socket.create_connection((srv.host, srv.port), timeout=5,
                                                 source_address=("127.0.0.3", 0)))
        served = sum(1 for s in held if _served(s))
        check(served == 16, "%d of 20 connections from one address were served (limit 16)", served)
        other = socket.socket()
        other.settimeout(5)
        other.bind(("127.0.0.2", 0))
        other.connect((srv.host, srv.port))
        ok = _served(other)
        other.close()
        check(ok, "another address was refused while the first was at its limit")
    finally:
        for s in held:
            s.close()


def hold_news_lock(pg, seconds):
    """Locks the news table, and item_reads that news lists read (migration 0012), for seconds
    in a session of its own; returns the thread."""
    t = threading.Thread(target=lambda: pg.psql(
        "BEGIN; LOCK TABLE news, item_reads IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(%s); COMMIT;"
        % seconds))
    t.start()
    return t


def case_queue_timeout(ctx):
    """Every database worker busy: a request that waits past IASC_QUEUE_TIMEOUT_MS gets 503."""
    srv, pg = ctx["srv"], ctx["pg"]
    locker = hold_news_lock(pg, 1.5)
    time.sleep(0.3)
    results = parallel_gets(srv, ["/v1/news?limit=%d" % (40 + i) for i in range(8)])()
    locker.join(20)
    busy = [(r, took) for r, took in results
            if r.status == 503 and b"busy" in (r.body or b"")]
    check(busy, "no request was answered 'busy' with 4 workers and 8 requests: %s",
          [r.status for r, _ in results])
    check(all(took < 1.2 for _, took in busy), "a 'busy' 503 took %.2f s (queue timeout 0.5 s)",
          max(took for _, took in busy))
    check(all(r.headers.get("retry-after") for r, _ in busy), "a 'busy' 503 without Retry-After")
    # The others waited on the lock (a statement, or the PREPARE of one, cut by the statement
    # timeout) or got through: never a 500.
    check(all(r.status in (200, 503) for r, _ in results), "statuses under a held lock: %s",
          [r.status for r, _ in results])


def case_drain(ctx):
    """SIGTERM during a slow request: it finishes, new connections are refused, exit 0."""
    srv, pg = ctx["srv"], ctx["pg"]
    locker = hold_news_lock(pg, 0.8)
    time.sleep(0.2)
    out = []
    t = threading.Thread(target=lambda: out.append(timed_get(srv, "/v1/news?limit=77")))
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    refused = False
    try:
        socket.create_connection((srv.host, srv.port), timeout=1).close()
    except OSError:
        refused = True
    t.join(10)
    locker.join(10)
    rc = srv.proc.wait(10)
    took = time.monotonic() - t0
    FIGURES.append("drain: SIGTERM to exit %.2f s, with a request in flight that finished" % took)
    check(out and out[0][0].status == 200, "the request in flight: %s",
          out[0][0].status if out else "no answer")
    check(refused, "a new connection was accepted during the drain")
    check(rc == 0, "exit status %s after SIGTERM", rc)


CASES = [
    ("a paused database: health and cache answer, reads 503 in time, recovery", case_paused_database),
    ("a stopped and restarted database: 503 while down, recovery without restart", case_stopped_and_restarted),
    ("a write whose connection is killed is not sent again", case_write_connection_killed),
    ("a write whose outcome is unknown is applied at most once", case_write_outcome_unknown),
    ("a 300 MB form body costs no more than the body limit", case_big_form_body),
    ("conflicting Content-Length or Transfer-Encoding: 400 and close", case_conflicting_lengths),
    ("a half-closed connection is closed within a second", case_half_close),
    ("a body that drips is cut at the absolute request limit", case_slow_body_absolute_limit),
    ("connections per client address are limited", case_connections_per_client),
    ("a request that waits past the queue timeout gets 503", case_queue_timeout),
    ("SIGTERM drains requests in flight and exits 0", case_drain),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    passed = failed = 0
    pg = Cluster()
    srv = None
    try:
        pg.init()
        env = dict(os.environ, DATABASE_URL=pg.url)
        for cmd in ("migrate", "seed"):
            p = subprocess.run([binary, cmd], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
            check(p.returncode == 0, "%s failed: %s", cmd, p.stdout.decode(errors="replace")[-800:])
        token = admin_token(binary, pg.url)
        srv = Server(binary, dict(SERVER_ENV, DATABASE_URL=pg.url),
                     os.path.join(pg.dir, "server.log"))
        msg = srv.wait_healthy()
        check(msg is None, "server: %s", msg)
        ctx = {"srv": srv, "pg": pg, "token": token}
        for name, fn in CASES:
            if args.k and args.k not in fn.__name__:
                continue
            t = time.monotonic()
            apilib.recording_test = fn.__name__
            try:
                fn(ctx)
                passed += 1
                print("    ok   %s (%.1f s)" % (name, time.monotonic() - t), flush=True)
            except Exception as e:  # noqa: BLE001 - a case's failure of any kind is reported
                failed += 1
                print("    FAIL %s: %s" % (name, e), flush=True)
    except Exception as e:  # noqa: BLE001
        failed += 1
        print("    FAIL set-up: %s" % e, flush=True)
    finally:
        if srv is not None:
            if srv.proc.poll() is None:
                srv.stop()
            log = srv.log_text() if os.path.exists(srv.log_path) else ""
            if re.search(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:", log):
                failed += 1
                print("    FAIL server_sanitizer_clean:\n" + log[-3000:])
            else:
                passed += 1
                print("    ok   server_sanitizer_clean")
        pg.destroy()
    for f in FIGURES:
        print("    figure: " + f)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
