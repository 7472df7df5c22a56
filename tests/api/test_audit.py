"""The audit log (issue 3, point 7): every write recorded in the same transaction as the
change (token id and name, action, type, item id, time, before and after); GET /v1/audit
(scope admin), newest first with the usual cursor, filtered by type and item."""

import re
import urllib.parse

from apilib import check, eq, problem, shared_token, purge_items, write_state

PREFIX = "zz-a-"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _admin(api):
    return shared_token(api, "admin")


def _audit(api, query="", token=None):
    """Every audit entry for the query, following next_cursor, newest first."""
    tok = token or _admin(api)
    base = "/v1/audit" + ("?" + query if query else "")
    out, url, seen = [], base, set()
    for _ in range(200):
        r = api.send("GET", url, token=tok)
        check(r.status == 200 and isinstance(r.json, dict) and isinstance(r.json.get("data"), list),
              "GET %s: expected a 200 list, got %s", url, r.describe())
        out.extend(r.json["data"])
        cur = r.json.get("next_cursor")
        if not cur:
            return out
        check(cur not in seen, "GET %s: next_cursor repeats", url)
        seen.add(cur)
        url = base + ("&" if "?" in base else "?") + "cursor=" + urllib.parse.quote(cur, safe="")
    raise AssertionError("GET %s: too many pages" % base)


def test_audit_needs_an_admin_token(api):
    r = api.get("/v1/audit")
    problem(r, 401, "GET /v1/audit without a token", ptype="unauthorized")
    check((r.headers.get("www-authenticate") or "").startswith("Bearer"), "WWW-Authenticate %r",
          r.headers.get("www-authenticate"))
    r = api.send("GET", "/v1/audit", token=shared_token(api, "news:write"))
    problem(r, 403, "GET /v1/audit with news:write", ptype="forbidden")
    r = api.send("GET", "/v1/audit", token=_admin(api))
    eq(r.status, 200, "GET /v1/audit with admin (%s)" % r.describe())
    check(isinstance(r.json.get("data"), list) and "next_cursor" in r.json, "audit list shape: %r", r.body[:200])
    eq(r.headers.get("cache-control"), "private, no-store", "Cache-Control of the audit list")
    problem(api.send("GET", "/v1/audit?type=nonsense", token=_admin(api)), 400, "GET /v1/audit?type=nonsense")
    problem(api.send("GET", "/v1/audit?limit=0", token=_admin(api)), 400, "GET /v1/audit?limit=0")
    problem(api.send("GET", "/v1/audit?cursor=garbage", token=_admin(api)), 400, "GET /v1/audit?cursor=garbage")


def test_every_write_is_recorded_with_token_action_item_and_before_after(api):
    tok = api.token("news:write", name="zz audit writer")
    tid = api.psql("SELECT id FROM tokens WHERE name = 'zz audit writer'").strip()
    slug = PREFIX + "trail"
    r = api.send("POST", "/v1/news", token=tok, json_body={"title": "ZZ audit one", "slug": slug, "summary": "first"})
    eq(r.status, 201, "POST (%s)" % r.describe())
    item_id = r.json["id"]
    eq(api.send("PATCH", "/v1/news/" + slug, token=tok, json_body={"summary": "second"}).status, 200, "PATCH")
    eq(api.send("PUT", "/v1/news/" + slug, token=tok, json_body={"title": "ZZ audit two"}).status, 200, "PUT")
    eq(api.send("DELETE", "/v1/news/" + slug, token=tok).status, 204, "DELETE")
    entries = _audit(api, "type=news&item=" + slug)
    eq([e.get("action") for e in entries], ["delete", "replace", "update", "create"], "actions, newest first")
    eq(entries, _audit(api, "item=" + item_id), "entries by item id vs by slug")
    for e in entries:
        eq((e.get("token_id"), e.get("token_name"), e.get("type"), e.get("item_id"), e.get("item_slug")),
           (tid, "zz audit writer", "news", item_id, slug), "who and what of the %s entry" % e.get("action"))
        check(isinstance(e.get("at"), str) and TS_RE.match(e["at"]), "audit at not RFC 3339 UTC: %r", e.get("at"))
        check(isinstance(e.get("id"), int), "audit id not an integer: %r", e.get("id"))
    ids = [e["id"] for e in entries]
    eq(ids, sorted(ids, reverse=True), "audit ids newest first")
    ats = [e["at"] for e in entries]
    eq(ats, sorted(ats, reverse=True), "audit times newest first")
    delete, replace, update, create = entries
    eq(create.get("before"), None, "before of a create")
    eq((create["after"].get("title"), create["after"].get("summary"), create["after"].get("slug")),
       ("ZZ audit one", "first", slug), "after of the create")
    eq(create["after"].get("id"), item_id, "after.id of the create")
    eq((update["before"].get("summary"), update["after"].get("summary")), ("first", "second"), "summary before/after PATCH")
    eq((replace["before"].get("title"), replace["after"].get("title"), replace["after"].get("summary")),
       ("ZZ audit one", "ZZ audit two", None), "before/after PUT")
    eq(update["after"], replace["before"], "the PUT's before is the PATCH's after")
    eq(replace["after"].get("version"), delete["before"].get("version"), "the DELETE's before is the PUT's after (version)")
    eq(delete.get("after"), None, "after of a delete")
    eq(delete["before"].get("title"), "ZZ audit two", "before of the delete")
    eq(api.psql("SELECT count(*) FROM audit_log WHERE item_id = '%s'" % item_id).strip(), "4", "audit rows for the item")


def test_audit_covers_every_type(api):
    admin = _admin(api)
    bodies = {
        "publications": {"title": "ZZ audit pub", "slug": PREFIX + "pub", "type": "report",
                         "documents": [{"url": "https://example.org/a.pdf"}]},
        "helplines": {"name": "ZZ audit line", "slug": PREFIX + "line", "kind": "email", "email": "a@example.org",
                      "urgency": "advice", "position": 9003},
        "support-rates": {"id": PREFIX + "rate", "title": "ZZ audit rate", "description": "d", "jurisdiction": "Zzland",
                          "category": "zz_audit", "amount_pence": 5, "period": "week"},
        "resources": {"title": "ZZ audit res", "slug": PREFIX + "res", "type": "guidance"},
    }
    for kind, body in bodies.items():
        key = body.get("slug") or body.get("id")
        r = api.send("POST", "/v1/" + kind, token=admin, json_body=body)
        eq(r.status, 201, "POST /v1/%s (%s)" % (kind, r.describe()))
        r = api.send("PATCH", "/v1/%s/%s" % (kind, key), token=admin, json_body={"title": "ZZ patched"} if kind != "helplines"
                     else {"name": "ZZ patched"})
        eq(r.status, 200, "PATCH /v1/%s (%s)" % (kind, r.describe()))
        entries = _audit(api, "type=%s&item=%s" % (kind, key))
        eq([e["action"] for e in entries], ["update", "create"], "audit actions for %s" % kind)
        eq({e["type"] for e in entries}, {kind}, "audit type for %s" % kind)
        eq(entries[0]["item_slug"], key, "audit item_slug for %s" % kind)
        eq(entries[0]["token_name"], "shared admin", "audit token_name for %s" % kind)
    pub = _audit(api, "type=publications&item=" + PREFIX + "pub")
    eq(pub[-1]["after"].get("documents"), [{"url": "https://example.org/a.pdf", "media_type": None, "size_bytes": None,
                                            "title": None}], "publication documents in the audit after")
    only = _audit(api, "type=support-rates")
    check(only and {e["type"] for e in only} == {"support-rates"}, "type=support-rates filter: %r",
          sorted({e["type"] for e in only}))
    check(PREFIX + "rate" in {e["item_slug"] for e in only}, "type=support-rates lacks the new rate")
    eq(_audit(api, "type=news&item=" + PREFIX + "rate"), [], "type=news&item=<a support rate>")
    eq(_audit(api, "item=" + PREFIX + "no-such-item"), [], "item filter with an unknown item")


def test_audit_pages_with_the_cursor(api):
    admin = _admin(api)
    for i in range(5):
        eq(api.send("POST", "/v1/resources", token=admin,
                    json_body={"title": "ZZ audit page %d" % i, "slug": PREFIX + "page-%d" % i, "type": "guidance"}).status,
           201, "POST %d" % i)
    full = _audit(api, "limit=100")
    check(len(full) >= 5, "audit has %d entries", len(full))
    paged = _audit(api, "limit=2")
    eq([e["id"] for e in paged], [e["id"] for e in full], "ids paged by 2 vs in pages of 100")
    ids = [e["id"] for e in full]
    eq(ids, sorted(ids, reverse=True), "newest first")
    eq(len(ids), len(set(ids)), "no entry twice")
    eq(full[0]["item_slug"], PREFIX + "page-4", "the newest entry is the last write")
    r = api.send("GET", "/v1/audit?limit=2&type=resources", token=admin)
    js = r.json
    check(js.get("next_cursor"), "a full first page of 2 has a next_cursor")
    link = r.headers.get("link") or ""
    check('rel="next"' in link and "type=resources" in link and "cursor=" in link, "audit Link next: %r", link)
    eq([e["id"] for e in _audit(api, "type=resources&limit=2")], [e["id"] for e in full if e["type"] == "resources"],
       "type=resources paged vs filtered from the full list")
    eq(api.psql("SELECT count(*) FROM audit_log").strip(), str(len(full)), "audit entries served vs rows")


def test_write_and_audit_commit_together(api):
    admin = _admin(api)
    # the audit insert fails for this slug: the item must not be created either
    api.psql("ALTER TABLE audit_log ADD CONSTRAINT zz_audit_refuse CHECK (item_slug <> '%satomic') NOT VALID" % PREFIX)
    try:
        before = write_state(api)
        r = api.send("POST", "/v1/news", token=admin, json_body={"title": "ZZ atomic", "slug": PREFIX + "atomic"})
        check(r.status >= 500, "POST whose audit record cannot be written: expected a 5xx, got %s", r.describe())
        problem(r, r.status, "POST whose audit record cannot be written")
        eq(write_state(api), before, "database after a write whose audit record failed")
        eq(api.psql("SELECT count(*) FROM news WHERE slug = '%satomic'" % PREFIX).strip(), "0", "item without its audit")
    finally:
        api.psql("ALTER TABLE audit_log DROP CONSTRAINT zz_audit_refuse")
    r = api.send("POST", "/v1/news", token=admin, json_body={"title": "ZZ atomic", "slug": PREFIX + "atomic"})
    eq(r.status, 201, "the same POST once the audit accepts it (%s)" % r.describe())
    # every successful write made so far has exactly one audit record per version
    rows = api.psql("SELECT t.slug, t.version, (SELECT count(*) FROM audit_log a WHERE a.item_id = t.id::text)"
                    " FROM news t WHERE t.slug LIKE '%s%%'" % PREFIX).split()
    check(rows, "no news items from the audit tests")
    for row in rows:
        slug, version, n = row.split("|")
        eq(n, version, "audit records vs version of %s" % slug)


def test_refused_writes_are_not_audited(api):
    admin = _admin(api)
    eq(api.send("POST", "/v1/news", token=admin, json_body={"title": "ZZ refused", "slug": PREFIX + "refused"}).status,
       201, "POST")
    n0 = api.psql("SELECT count(*) FROM audit_log").strip()
    for method, path, body, hdrs in (
            ("POST", "/v1/news", {"title": ""}, {}),
            ("POST", "/v1/news", {"title": "x", "slug": PREFIX + "refused"}, {}),
            ("PATCH", "/v1/news/" + PREFIX + "refused", {"summary": "x"}, {"If-Match": '"stale-1"'}),
            ("DELETE", "/v1/news/" + PREFIX + "nothing", None, {})):
        r = api.send(method, path, token=admin, json_body=body, headers=hdrs)
        check(400 <= r.status < 500, "%s %s: expected a 4xx, got %s", method, path, r.describe())
    eq(api.psql("SELECT count(*) FROM audit_log").strip(), n0, "audit rows after refused writes")


def test_zz_clean_up_audit_test_items(api):
    purge_items(api, PREFIX)
