#!/usr/bin/env python3
"""API test runner for iasc-api.

    tests/api/run.py --binary build/iasc-api [--pg-host DIR] [-k substring]

Makes a scratch database (iasc_test_<pid>_<n>) on the PostgreSQL server given by
$DATABASE_URL or, failing that, the unix socket directory --pg-host (default
<repo>/.data/run, user postgres); runs `BIN migrate` and `BIN seed`; starts
`BIN serve` on a free port; runs every `test_*` function of the test_*.py files
here (each takes the `api` handle); stops the server with SIGTERM; checks its
stderr for sanitizer reports; drops the scratch database. Stdlib only.
The last line printed is `N passed, N failed`; the exit status is 1 on any failure.
"""

import argparse
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import apilib  # noqa: E402

# Files run first keep their place; the rest follow alphabetically, except the files that
# write content through the API (they add, change and delete items), which run last so
# that the read tests see exactly the starter data. The TypeScript client runs at the very
# end, when the audit log and the lists hold what the writes left.
FIRST = ["test_cli.py"]
LAST = ["test_writes.py", "test_auth.py", "test_audit.py", "test_drafts.py", "test_feeds.py",
        "test_caching.py", "test_mirror.py", "test_metrics.py", "test_typescript.py"]
SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")


class Abort(Exception):
    pass


def discover(k):
    files = sorted(f for f in os.listdir(HERE) if re.match(r"test_.*\.py$", f))
    files = ([f for f in FIRST if f in files] + [f for f in files if f not in FIRST + LAST]
             + [f for f in LAST if f in files])
    tests = []
    for f in files:
        name = f[:-3]
        spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        funcs = [(n, fn) for n, fn in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == name]
        funcs.sort(key=lambda p: p[1].__code__.co_firstlineno)
        for n, fn in funcs:
            if k and k not in n and k not in name:
                continue
            tests.append((name, n, fn))
    return tests


class Db:
    """The scratch database: created on a server, dropped at the end."""

    def __init__(self, pg_host):
        self.admin_url = os.environ.get("DATABASE_URL")
        self.pg_host = os.path.abspath(pg_host)
        self.name = None

    def _admin_argv(self):
        if self.admin_url:
            return ["psql", self.admin_url]
        return ["psql", "-h", self.pg_host, "-U", "postgres", "-d", "postgres"]

    def admin(self, sql):
        return subprocess.run(self._admin_argv() + ["-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def create(self):
        last = None
        for n in range(1, 50):
            name = "iasc_test_%d_%d" % (os.getpid(), n)
            p = self.admin('CREATE DATABASE "%s"' % name)
            if p.returncode == 0:
                self.name = name
                return
            last = p.stderr.decode(errors="replace")
            if "already exists" not in last:
                break
        raise RuntimeError("could not create a scratch database: %s" % last)

    def drop(self):
        if self.name:
            p = self.admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
            if p.returncode != 0:
                print("warning: could not drop %s: %s" % (self.name, p.stderr.decode(errors="replace")))
            self.name = None

    def url(self):
        if self.admin_url:
            u = urllib.parse.urlsplit(self.admin_url)
            return "%s://%s/%s%s" % (u.scheme, u.netloc, self.name, "?" + u.query if u.query else "")
        return "postgresql:///%s?host=%s&user=postgres" % (self.name, urllib.parse.quote(self.pg_host, safe="/"))

    def psql_argv(self):
        return ["psql", self.url()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--pg-host", default=os.path.join(REPO, ".data", "run"))
    ap.add_argument("-k", default=None, help="run only tests whose name (or file) contains this")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)

    passed, failed = 0, 0
    failures = []
    tests = discover(args.k)
    db = Db(args.pg_host)
    server = None
    api = None
    workdir = tempfile.mkdtemp(prefix="iasc-api-tests-")
    started = time.time()

    def fail(name, msg):
        nonlocal failed
        failed += 1
        failures.append(name)
        print("FAIL %s: %s" % (name, msg))
        sys.stdout.flush()

    try:
        if not os.access(binary, os.X_OK):
            fail("setup", "binary %s is missing or not executable" % binary)
            raise Abort()
        db.create()
        env = dict(os.environ, DATABASE_URL=db.url())
        for step in ("migrate", "seed"):
            p = subprocess.run([binary, step], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            if p.returncode != 0:
                fail("setup_" + step, "`%s %s` exited %d:\n%s" % (os.path.basename(binary), step, p.returncode,
                                                                  (p.stdout + p.stderr).decode(errors="replace")[-3000:]))
                raise Abort()
        server = apilib.Server(binary, {"DATABASE_URL": db.url(), "IASC_LOG_LEVEL": "debug"},
                               os.path.join(workdir, "server.log"))
        err = server.wait_healthy(20)
        if err:
            fail("setup_serve", err + "\n--- server stderr ---\n" + server.log_text()[-3000:])
            raise Abort()
        api = apilib.Api(binary, db.url(), server, db.psql_argv(), REPO)
        api.workdir = workdir

        for mod, name, fn in tests:
            t0 = time.time()
            apilib.recording_test = name
            try:
                fn(api)
            except AssertionError as e:
                fail(name, str(e) or traceback.format_exc(limit=3))
                continue
            except Exception as e:  # a broken test or a dead server
                fail(name, "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=4)))
                continue
            passed += 1
            dt = time.time() - t0
            print("ok   %s%s" % (name, " (%.1f s)" % dt if dt > 2 else ""))
            sys.stdout.flush()
    except Abort:
        pass
    except Exception as e:
        fail("setup", "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
    finally:
        servers = ([server] if server else []) + (api.extra_servers if api else [])
        for i, srv in enumerate(servers):
            label = "server_shutdown" if i == 0 else "server_shutdown_%d" % i
            msg = srv.stop(10)
            if msg:
                fail(label, msg)
        if servers:
            excerpts = []
            for srv in servers:
                text = srv.log_text()
                lines = text.splitlines()
                for j, ln in enumerate(lines):
                    if SANITIZER_RE.search(ln):
                        excerpts.append("\n".join(lines[max(0, j - 2):j + 25]))
                        break
            if excerpts:
                fail("server_sanitizer_clean", "sanitizer report in server stderr:\n" + "\n---\n".join(excerpts)[:6000])
            else:
                passed += 1
                print("ok   server_sanitizer_clean")
        db.drop()
    if failed:
        print("(%.1f s; server logs kept in %s)" % (time.time() - started, workdir))
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        print("(%.1f s)" % (time.time() - started))
    return finish(passed, failed, failures)


def finish(passed, failed, failures):
    if failures:
        print("failed: " + " ".join(failures))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
