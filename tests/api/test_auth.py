"""Bearer tokens (issue 3, point 1): `token create|list|revoke`, only a SHA-256 hash stored,
401 for a missing/malformed/unknown/revoked/expired token with WWW-Authenticate: Bearer,
403 for a token without the scope, and refused requests changing nothing."""

import hashlib
import re

from apilib import check, eq, problem, shared_token, write_state, purge_items

PREFIX = "zz-auth-"
TOKEN_RE = re.compile(r"^iasc_[0-9a-f]{64}$")
TYPES = ["news", "publications", "helplines", "support-rates", "resources"]
SCOPE_OF = {t: t + ":write" for t in TYPES}


def _body(kind, n=""):
    """A minimal valid item of each type (slug / id prefixed for the clean-up)."""
    if kind == "news":
        return {"title": "ZZ auth news %s" % n, "slug": PREFIX + "news" + n}
    if kind == "publications":
        return {"title": "ZZ auth publication", "slug": PREFIX + "pub" + n, "type": "report"}
    if kind == "helplines":
        return {"name": "ZZ auth line", "slug": PREFIX + "line" + n, "kind": "phone", "phone": "0800 000 0000",
                "urgency": "advice", "position": 9001}
    if kind == "support-rates":
        return {"id": PREFIX + "rate" + n, "title": "ZZ auth rate", "description": "test", "jurisdiction": "Zzland",
                "category": "zz_auth" + n.replace("-", "_"), "amount_pence": 100, "period": "week"}
    return {"title": "ZZ auth resource", "slug": PREFIX + "res" + n, "type": "guidance"}


def _www(r):
    return r.headers.get("www-authenticate") or ""


def _token_row(api, name):
    return api.psql("SELECT id, token_hash, array_to_string(scopes, ','), created_at IS NOT NULL,"
                    " expires_at IS NULL, last_used_at IS NULL, revoked_at IS NULL FROM tokens WHERE name = '%s'"
                    % name).strip()


def test_token_create_prints_the_token_once_on_the_last_line(api):
    p = api.run_cli("token", "create", "--name", "zz auth create", "--scope", "news:write,resources:write")
    eq(p.returncode, 0, "token create exit status (stderr %r)" % p.stderr[-300:])
    out = p.stdout.decode()
    lines = out.strip().splitlines()
    check(lines, "token create printed nothing on stdout")
    tok = lines[-1].strip()
    check(TOKEN_RE.match(tok), "last stdout line is not a token iasc_<64 hex>: %r", tok)
    everything = out + p.stderr.decode()
    eq(everything.count(tok), 1, "times the token is printed (stdout + stderr)")
    eq(everything.count(tok[5:]), 1, "times the token's hex part is printed")
    row = _token_row(api, "zz auth create").split("|")
    eq(len(row), 7, "one tokens row named 'zz auth create' (%r)" % row)
    eq(row[1], hashlib.sha256(tok.encode()).hexdigest(), "tokens.token_hash (SHA-256 hex of the token)")
    eq(row[2], "news:write,resources:write", "stored scopes")
    eq(row[3:], ["t", "t", "t", "t"], "created set; no expiry, never used, not revoked")


def test_token_the_database_holds_only_the_hash(api):
    tok = api.token("news:write", name="zz auth hash only")
    dump = api.psql("SELECT string_agg(t::text, ' ') FROM tokens t")
    check(tok not in dump, "the token secret is stored in the tokens table")
    check(tok[5:] not in dump, "the token's hex part is stored in the tokens table")
    eq(api.psql("SELECT count(*) FROM tokens WHERE token_hash = '%s'" % hashlib.sha256(tok.encode()).hexdigest()).strip(),
       "1", "rows holding the token's SHA-256")


def test_token_create_with_expiry_sets_expires_at(api):
    api.token("admin", name="zz auth 90d", expires="90d")
    days = api.psql("SELECT round(extract(epoch FROM expires_at - created_at) / 86400) FROM tokens WHERE name = 'zz auth 90d'").strip()
    eq(days, "90", "days between created_at and expires_at for --expires 90d")


def test_token_create_rejects_bad_arguments_and_stores_nothing(api):
    before = api.psql("SELECT count(*) FROM tokens").strip()
    for args in (["--name", "zz bad", "--scope", "news:read"],
                 ["--name", "zz bad", "--scope", "news:write,root"],
                 ["--name", "zz bad", "--scope", ""],
                 ["--name", "zz bad"],
                 ["--scope", "admin"],
                 ["--name", "x" * 101, "--scope", "admin"],
                 ["--name", "zz bad", "--scope", "admin", "--expires", "90y"],
                 ["--name", "zz bad", "--scope", "admin", "--expires", "-5d"],
                 ["--name", "zz bad", "--scope", "admin", "--expires", "0d"]):
        p = api.run_cli("token", "create", *args)
        check(p.returncode != 0, "token create %r exited 0", args)
        check(not re.search(rb"iasc_[0-9a-f]{64}", p.stdout + p.stderr), "token create %r printed a token", args)
    eq(api.psql("SELECT count(*) FROM tokens").strip(), before, "tokens after refused `token create`s")


def test_token_list_never_prints_secrets(api):
    toks = [api.token("admin", name="zz auth list one"), api.token("news:write", name="zz auth list two")]
    p = api.run_cli("token", "list")
    eq(p.returncode, 0, "token list exit status")
    out = (p.stdout + p.stderr).decode()
    for name in ("zz auth list one", "zz auth list two"):
        check(name in out, "token list lacks %r:\n%s", name, out[:2000])
    for tid in api.psql("SELECT id FROM tokens WHERE name LIKE 'zz auth list %'").split():
        check(tid in out, "token list lacks the id %s", tid)
    check("iasc_" not in out, "token list prints something like a token:\n%s", out[:2000])
    for h in api.psql("SELECT token_hash FROM tokens").split():
        check(h not in out and h[:16] not in out, "token list prints a token hash")
    for t in toks:
        check(t[5:21] not in out, "token list prints part of a secret")


def test_token_revoke_refuses_the_token_like_an_unknown_one(api):
    tok = api.token("news:write", name="zz auth revoke me")
    tid = api.psql("SELECT id FROM tokens WHERE name = 'zz auth revoke me'").strip()
    r = api.send("GET", "/v1/news/" + PREFIX + "nothing", token=tok)
    eq(r.status, 404, "a valid token on a missing item (before revoking)")
    p = api.run_cli("token", "revoke", tid)
    eq(p.returncode, 0, "token revoke exit status (stderr %r)" % p.stderr[-300:])
    eq(api.psql("SELECT revoked_at IS NOT NULL FROM tokens WHERE id = '%s'" % tid).strip(), "t", "revoked_at set")
    revoked = api.send("POST", "/v1/news", token=tok, json_body=_body("news", "-revoked"))
    problem(revoked, 401, "POST with a revoked token", ptype="unauthorized")
    check(_www(revoked).startswith("Bearer"), "revoked: WWW-Authenticate %r", _www(revoked))
    check('error="invalid_token"' in _www(revoked), "revoked: WWW-Authenticate lacks error=\"invalid_token\": %r", _www(revoked))
    unknown = api.send("POST", "/v1/news", token="iasc_" + "0" * 64, json_body=_body("news", "-revoked"))
    problem(unknown, 401, "POST with an unknown token", ptype="unauthorized")
    eq(_www(revoked), _www(unknown), "WWW-Authenticate for a revoked vs an unknown token (must not tell them apart)")
    for k in ("type", "title", "status", "detail"):
        eq(revoked.json.get(k), unknown.json.get(k), "problem %s for a revoked vs an unknown token" % k)
    # also on a public read: a bad token is refused, never ignored
    problem(api.send("GET", "/v1/news?limit=1", token=tok), 401, "GET /v1/news with a revoked token")
    eq(api.psql("SELECT count(*) FROM news WHERE slug = '%snews-revoked'" % PREFIX).strip(), "0", "items created")
    # revoking again is harmless; an unknown id fails
    eq(api.run_cli("token", "revoke", tid).returncode, 0, "revoking twice")
    check(api.run_cli("token", "revoke", "00000000-0000-0000-0000-000000000000").returncode != 0,
          "token revoke of an unknown id exited 0")
    check(api.run_cli("token", "revoke", "nonsense").returncode != 0, "token revoke nonsense exited 0")


def test_expired_token_is_refused_with_invalid_token(api):
    tok = api.token("news:write", name="zz auth expiring", expires="1m")
    r = api.send("GET", "/v1/news?status=draft&limit=1", token=tok)
    eq(r.status, 200, "a token that expires in a minute works now (%s)" % r.describe())
    api.psql("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE name = 'zz auth expiring'")
    before = write_state(api)
    r = api.send("POST", "/v1/news", token=tok, json_body=_body("news", "-expired"))
    js = problem(r, 401, "POST with an expired token", ptype="unauthorized")
    check(_www(r).startswith("Bearer") and 'error="invalid_token"' in _www(r),
          "expired: WWW-Authenticate %r", _www(r))
    check("expired" in (js.get("detail") or "") + _www(r), "the 401 for an expired token does not say it expired: %r", js)
    problem(api.send("GET", "/v1/news?limit=1", token=tok), 401, "GET /v1/news with an expired token")
    eq(write_state(api), before, "database after a write with an expired token")


def test_missing_token_is_401_on_every_write_route(api):
    before = write_state(api)
    for t in TYPES:
        key = _body(t)["id" if t == "support-rates" else "slug"]
        for method, path in (("POST", "/v1/" + t), ("PUT", "/v1/%s/%s" % (t, key)),
                             ("PATCH", "/v1/%s/%s" % (t, key)), ("DELETE", "/v1/%s/%s" % (t, key))):
            r = api.send(method, path, json_body=None if method == "DELETE" else _body(t))
            problem(r, 401, "%s %s without a token" % (method, path), ptype="unauthorized")
            check(_www(r).startswith("Bearer"), "%s %s: WWW-Authenticate %r", method, path, _www(r))
    r = api.get("/v1/audit")
    problem(r, 401, "GET /v1/audit without a token")
    check(_www(r).startswith("Bearer"), "GET /v1/audit: WWW-Authenticate %r", _www(r))
    eq(write_state(api), before, "database after writes without a token")


def test_malformed_authorization_is_401_invalid_request(api):
    for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Bearer tok\u00e9n".encode("utf-8").decode("latin-1"),
                  "Token iasc_" + "0" * 64):
        r = api.get("/v1/news", headers={"Authorization": value})
        problem(r, 401, "Authorization: %r" % value, ptype="unauthorized")
        check(_www(r).startswith("Bearer"), "Authorization %r: WWW-Authenticate %r", value, _www(r))
        check('error="invalid_request"' in _www(r) or 'error="invalid_token"' in _www(r),
              "Authorization %r: WWW-Authenticate names no error: %r", value, _www(r))
    r = api.get("/v1/news", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    check('error="invalid_request"' in _www(r), "Basic credentials: expected error=\"invalid_request\", got %r", _www(r))
    for value in ("Bearer iasc_" + "f" * 64, "Bearer " + "x" * 150, "Bearer " + "a" * 300):
        r = api.get("/v1/news/" + PREFIX + "x", headers={"Authorization": value})
        problem(r, 401, "unknown token %r" % value[:30], ptype="unauthorized")
        check('error="invalid_token"' in _www(r), "unknown token: WWW-Authenticate %r", _www(r))


def test_token_without_the_scope_is_403(api):
    toks = {t: shared_token(api, ",".join(s for s in SCOPE_OF.values() if s != SCOPE_OF[t])) for t in TYPES}
    every = shared_token(api, ",".join(SCOPE_OF.values()))
    before = write_state(api)
    for t in TYPES:
        others = [s for s in SCOPE_OF.values() if s != SCOPE_OF[t]]
        tok = toks[t]
        r = api.send("POST", "/v1/" + t, token=tok, json_body=_body(t, "-forbidden"))
        problem(r, 403, "POST /v1/%s with scopes %s" % (t, others), ptype="forbidden")
        check('error="insufficient_scope"' in _www(r) and SCOPE_OF[t] in _www(r),
              "403 WWW-Authenticate should name insufficient_scope and %s: %r", SCOPE_OF[t], _www(r))
        check(SCOPE_OF[t] in r.json.get("detail", ""), "403 detail does not name the scope: %r", r.json)
        key = "nope"
        for method in ("PUT", "PATCH", "DELETE"):
            r = api.send(method, "/v1/%s/%s" % (t, key), token=tok,
                         json_body=None if method == "DELETE" else _body(t))
            problem(r, 403, "%s /v1/%s/x without its scope" % (method, t), ptype="forbidden")
    r = api.send("GET", "/v1/audit", token=every)
    problem(r, 403, "GET /v1/audit with every write scope but not admin", ptype="forbidden")
    eq(write_state(api), before, "database after 403 writes")


def test_each_write_scope_allows_its_own_type(api):
    try:
        for t in TYPES:
            tok = shared_token(api, SCOPE_OF[t])
            r = api.send("POST", "/v1/" + t, token=tok, json_body=_body(t, "-scoped"))
            eq(r.status, 201, "POST /v1/%s with scope %s (%s)" % (t, SCOPE_OF[t], r.describe()))
            key = _body(t, "-scoped")["id" if t == "support-rates" else "slug"]
            r = api.send("DELETE", "/v1/%s/%s" % (t, key), token=tok)
            eq(r.status, 204, "DELETE /v1/%s/%s with scope %s (%s)" % (t, key, SCOPE_OF[t], r.describe()))
        admin = shared_token(api, "admin")
        r = api.send("POST", "/v1/resources", token=admin, json_body=_body("resources", "-admin"))
        eq(r.status, 201, "admin may write any type (%s)" % r.describe())
    finally:
        purge_items(api, PREFIX)


def test_last_used_at_is_set_when_a_token_is_used(api):
    tok = api.token("news:write", name="zz auth last used")
    eq(api.psql("SELECT last_used_at IS NULL FROM tokens WHERE name = 'zz auth last used'").strip(), "t",
       "last_used_at before any use")
    r = api.send("GET", "/v1/news?limit=1", token=tok)
    eq(r.status, 200, "GET with the token")
    eq(api.psql("SELECT last_used_at IS NOT NULL AND last_used_at > now() - interval '1 minute'"
                " AND last_used_at >= created_at FROM tokens WHERE name = 'zz auth last used'").strip(), "t",
       "last_used_at set (recently) after use")


def test_token_holder_responses_are_private_no_store(api):
    tok = shared_token(api, "news:write")
    for path in ("/v1/news?limit=2", "/v1/news/" + "times-red-box-op-ed-november-2021", "/v1/helplines",
                 "/v1/news/" + PREFIX + "missing"):
        r = api.send("GET", path, token=tok)
        eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of GET %s with a token" % path)
    r = api.get("/v1/news?limit=2")
    check("private" not in (r.headers.get("cache-control") or ""), "public GET is private: %r", r.headers.get("cache-control"))


def test_bearer_scheme_is_case_insensitive(api):
    tok = shared_token(api, "news:write")
    r = api.get("/v1/news?status=draft&limit=1", headers={"Authorization": "bearer " + tok})
    eq(r.status, 200, "Authorization: bearer (lower case) %s" % r.describe())
