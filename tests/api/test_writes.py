"""Writes (issue 3, points 2, 3, 4 and 6): POST/PATCH/PUT/DELETE for every type, slugs,
strict validation (400/413/415/422), CommonMark in safe mode, ETags with If-Match (412 and a
concurrent race with one winner), Idempotency-Key retries; every refused write leaves the
database and the audit log unchanged."""

import json
import re

from apilib import check, eq, problem, shared_token, write_state, purge_items, ok_list, run_threads

PREFIX = "zz-w-"
TYPES = ["news", "publications", "helplines", "support-rates", "resources"]
LIMIT = 1024 * 1024


def _admin(api):
    return shared_token(api, "admin")


def _key_field(kind):
    return "id" if kind == "support-rates" else "slug"


def _body(kind, n):
    """A minimal valid item of each type, keyed PREFIX + n."""
    key = PREFIX + n
    if kind == "news":
        return {"title": "ZZ news " + n, "slug": key}
    if kind == "publications":
        return {"title": "ZZ publication " + n, "slug": key, "type": "report"}
    if kind == "helplines":
        return {"name": "ZZ line " + n, "slug": key, "kind": "phone", "phone": "0800 000 0000",
                "urgency": "advice", "position": 9001}
    if kind == "support-rates":
        return {"id": key, "title": "ZZ rate " + n, "description": "A test rate.", "jurisdiction": "Zzland",
                "category": "zz_" + n.replace("-", "_"), "amount_pence": 100, "period": "week"}
    return {"title": "ZZ resource " + n, "slug": key, "type": "guidance"}


def _create(api, kind, n, **extra):
    body = _body(kind, n)
    body.update(extra)
    r = api.send("POST", "/v1/" + kind, token=_admin(api), json_body=body)
    check(r.status == 201, "POST /v1/%s %s: expected 201, got %s", kind, n, r.describe(600))
    return r


def _fields(js):
    return sorted(e.get("field") for e in js.get("errors") or [])


# ---------------------------------------------------------------- create, read, replace, update, delete

def test_post_creates_every_type_with_201_location_etag_and_the_item(api):
    for kind in TYPES:
        n = "create-" + kind
        r = _create(api, kind, n)
        ct = r.headers.get("content-type") or ""
        check(ct.startswith("application/json"), "POST /v1/%s Content-Type %r", kind, ct)
        js = r.json
        key = PREFIX + n
        eq(js.get(_key_field(kind)), key, "POST /v1/%s: key of the created item" % kind)
        eq(r.headers.get("location"), api.base + "/v1/%s/%s" % (kind, key), "POST /v1/%s Location" % kind)
        eq(js.get("url"), api.base + "/v1/%s/%s" % (kind, key), "POST /v1/%s url" % kind)
        eq(js.get("status"), "published", "POST /v1/%s default status" % kind)
        etag = r.headers.get("etag")
        check(etag and re.match(r'^"[^"]+"$', etag), "POST /v1/%s: no strong ETag (%r)", kind, etag)
        eq(r.headers.get("cache-control"), "private, no-store", "POST /v1/%s Cache-Control" % kind)
        g = api.get("/v1/%s/%s" % (kind, key))
        eq(g.status, 200, "public GET of the new %s item (%s)" % (kind, g.describe()))
        eq(g.headers.get("etag"), etag, "GET ETag vs POST ETag (%s)" % kind)
        eq(g.json, js, "GET body vs POST body (%s)" % kind)
        eq(api.psql("SELECT count(*) FROM %s WHERE %s = '%s'" % (kind.replace("-", "_"), _key_field(kind), key)).strip(),
           "1", "rows for the new %s item" % kind)


def test_post_stores_every_given_field(api):
    body = {"title": "ZZ full news", "slug": PREFIX + "full-news", "summary": "Sum", "body_markdown": "Hello *world*",
            "published_at": "2021-03-04T05:06:07+01:00", "tags": ["zz-one", "zz-two"],
            "source_url": "https://example.org/a", "related_urls": ["https://example.org/b"], "source_note": "note",
            "published_at_confidence": "confirmed"}
    r = api.send("POST", "/v1/news", token=_admin(api), json_body=body)
    eq(r.status, 201, "POST full news (%s)" % r.describe())
    js = r.json
    for k in ("title", "slug", "summary", "body_markdown", "tags", "source_url", "related_urls", "source_note",
              "published_at_confidence"):
        eq(js.get(k), body[k], "stored " + k)
    eq(js.get("published_at"), "2021-03-04T04:06:07Z", "published_at normalised to UTC")
    eq(js.get("body_html"), "<p>Hello <em>world</em></p>\n", "body_html rendered from body_markdown")
    pub = {"title": "ZZ full pub", "slug": PREFIX + "full-pub", "type": "report", "authors": ["A. Author"],
           "identifiers": {"isbn": "978-0-00"}, "documents": [
               {"url": "https://example.org/doc.pdf", "media_type": "application/pdf", "size_bytes": 1234, "title": "Doc"},
               {"url": "https://example.org/doc2.pdf"}]}
    r = api.send("POST", "/v1/publications", token=_admin(api), json_body=pub)
    eq(r.status, 201, "POST full publication (%s)" % r.describe())
    eq([d.get("url") for d in r.json.get("documents") or []], ["https://example.org/doc.pdf", "https://example.org/doc2.pdf"],
       "publication documents in order")
    eq(r.json.get("identifiers"), {"isbn": "978-0-00"}, "publication identifiers")


def test_slug_is_derived_from_the_title_when_absent(api):
    r = api.send("POST", "/v1/news", token=_admin(api), json_body={"title": "ZZ-W:  Derived   Slug, from Title!"})
    eq(r.status, 201, "POST without slug (%s)" % r.describe())
    eq(r.json.get("slug"), "zz-w-derived-slug-from-title", "derived slug")
    eq(r.headers.get("location"), api.base + "/v1/news/zz-w-derived-slug-from-title", "Location of derived slug")
    r = api.send("POST", "/v1/support-rates", token=_admin(api),
                 json_body={"title": "ZZ-W derived rate", "description": "d", "jurisdiction": "Zzland",
                            "category": "zz_derived", "amount_pence": 0, "period": "one_off"})
    eq(r.status, 201, "POST support rate without id (%s)" % r.describe())
    eq(r.json.get("id"), "zz-w-derived-rate", "support-rate id derived from its title")
    r = api.send("POST", "/v1/news", token=_admin(api), json_body={"title": "!!! ---"})
    problem(r, 422, "a title with nothing to derive a slug from", field="slug")


def test_slug_taken_is_409_and_changes_nothing(api):
    _create(api, "news", "taken")
    _create(api, "resources", "taken")  # the same slug in another type is fine
    before = write_state(api)
    r = api.send("POST", "/v1/news", token=_admin(api), json_body={"title": "Other", "slug": PREFIX + "taken"})
    problem(r, 409, "POST with a taken slug", field="slug", ptype="conflict")
    r = api.send("POST", "/v1/news", token=_admin(api), json_body={"title": "ZZ-W taken"})
    problem(r, 409, "POST whose derived slug is taken", field="slug", ptype="conflict")
    _create(api, "news", "taken-2")
    before = write_state(api)
    r = api.send("PATCH", "/v1/news/" + PREFIX + "taken-2", token=_admin(api), json_body={"slug": PREFIX + "taken"})
    problem(r, 409, "PATCH to a taken slug", field="slug", ptype="conflict")
    r = api.send("POST", "/v1/support-rates", token=_admin(api), json_body=_body("support-rates", "create-support-rates"))
    problem(r, 409, "POST a support rate with a taken id", field="id", ptype="conflict")
    eq(write_state(api), before, "database and audit log after 409s")


def test_patch_is_a_json_merge_patch(api):
    _create(api, "publications", "patch", summary="Old summary", tags=["zz-a", "zz-b"], authors=["X"],
            identifiers={"isbn": "1", "issn": "2"})
    path = "/v1/publications/" + PREFIX + "patch"
    g0 = api.get(path)
    r = api.send("PATCH", path, token=_admin(api), content_type="application/merge-patch+json",
                 json_body={"summary": "New summary", "tags": None, "identifiers": {"issn": None, "doi": "10.1/x"}})
    eq(r.status, 200, "PATCH merge-patch (%s)" % r.describe())
    js = r.json
    eq(js.get("summary"), "New summary", "patched summary")
    eq(js.get("tags"), [], "tags removed by null (back to the default)")
    eq(js.get("identifiers"), {"isbn": "1", "doi": "10.1/x"}, "nested object merged (issn removed, doi added)")
    eq(js.get("authors"), ["X"], "untouched field kept")
    eq(js.get("title"), "ZZ publication patch", "untouched title kept")
    check(r.headers.get("etag") and r.headers.get("etag") != g0.headers.get("etag"),
          "ETag after PATCH %r should differ from before %r", r.headers.get("etag"), g0.headers.get("etag"))
    g = api.get(path)
    eq(g.json, js, "GET after PATCH vs PATCH answer")
    eq(g.headers.get("etag"), r.headers.get("etag"), "GET ETag after PATCH")
    r = api.send("PATCH", path, token=_admin(api), json_body={"summary": None})
    eq(r.status, 200, "PATCH as application/json (%s)" % r.describe())
    eq(r.json.get("summary"), None, "summary removed")
    r = api.send("PATCH", path, token=_admin(api), json_body={"title": None})
    problem(r, 422, "PATCH removing a required field", field="title")
    r = api.send("PATCH", "/v1/publications/" + PREFIX + "no-such", token=_admin(api), json_body={"summary": "x"})
    problem(r, 404, "PATCH of a missing item")


def test_patch_keeps_fields_that_the_item_view_does_not_show(api):
    # published_at is writable for helplines and support rates; a PATCH of another field must keep it
    for kind in ("helplines", "support-rates"):
        n = "keep-" + kind
        _create(api, kind, n, published_at="2020-01-02T03:04:05Z")
        key = PREFIX + n
        table = kind.replace("-", "_")
        r = api.send("PATCH", "/v1/%s/%s" % (kind, key), token=_admin(api), json_body={"notes": "patched"})
        eq(r.status, 200, "PATCH %s notes (%s)" % (kind, r.describe()))
        eq(api.psql("SELECT published_at = '2020-01-02T03:04:05Z' FROM %s WHERE %s = '%s'"
                    % (table, _key_field(kind), key)).strip(), "t",
           "%s published_at kept after a PATCH of notes" % kind)


def test_put_replaces_the_whole_item(api):
    _create(api, "resources", "put", summary="S", tags=["zz-t"], organisation="Org", link="https://example.org/")
    path = "/v1/resources/" + PREFIX + "put"
    r = api.send("PUT", path, token=_admin(api), json_body={"title": "ZZ replaced", "type": "toolkit"})
    eq(r.status, 200, "PUT (%s)" % r.describe())
    js = r.json
    eq(js.get("slug"), PREFIX + "put", "PUT without slug keeps the key")
    eq((js.get("title"), js.get("type")), ("ZZ replaced", "toolkit"), "replaced fields")
    eq((js.get("summary"), js.get("tags"), js.get("organisation"), js.get("link")), (None, [], None, None),
       "fields absent from the PUT body are reset")
    check(r.headers.get("etag"), "PUT answer has no ETag")
    eq(api.get(path).json, js, "GET after PUT")
    problem(api.send("PUT", path, token=_admin(api), json_body={"type": "toolkit"}), 422, "PUT without a required field",
            field="title")
    problem(api.send("PUT", "/v1/resources/" + PREFIX + "put-missing", token=_admin(api),
                     json_body={"title": "T", "type": "toolkit"}), 404, "PUT of a missing item")
    _create(api, "support-rates", "put-rate")
    b = _body("support-rates", "put-rate")
    b["id"] = PREFIX + "other-id"
    problem(api.send("PUT", "/v1/support-rates/" + PREFIX + "put-rate", token=_admin(api), json_body=b), 422,
            "PUT changing a support rate's id", field="id")
    problem(api.send("PATCH", "/v1/support-rates/" + PREFIX + "put-rate", token=_admin(api),
                     json_body={"id": PREFIX + "other-id"}), 422, "PATCH changing a support rate's id", field="id")


def test_delete_soft_deletes_and_leaves_a_tombstone(api):
    r = _create(api, "news", "delete")
    item_id = r.json["id"]
    path = "/v1/news/" + PREFIX + "delete"
    r = api.send("DELETE", path, token=_admin(api))
    eq(r.status, 204, "DELETE (%s)" % r.describe())
    eq(r.body, b"", "DELETE answer body")
    problem(api.get(path), 404, "GET after DELETE")
    problem(api.send("GET", path, token=_admin(api)), 404, "GET after DELETE with a token")
    problem(api.send("DELETE", path, token=_admin(api)), 404, "DELETE twice")
    problem(api.send("PATCH", path, token=_admin(api), json_body={"summary": "x"}), 404, "PATCH after DELETE")
    eq(api.psql("SELECT deleted_at IS NOT NULL FROM news WHERE id = '%s'" % item_id).strip(), "t",
       "the row stays with deleted_at set")
    items = ok_list(api.get("/v1/news?updated_since=2000-01-01T00:00:00Z&include_deleted=true&limit=100"),
                    "sync with include_deleted")["data"]
    nxt = [x for x in items if x.get("id") == item_id]
    # the stream may have more pages; the tombstone is among the newest changes
    if not nxt:
        from apilib import all_items
        nxt = [x for x in all_items(api, "/v1/news?updated_since=2000-01-01T00:00:00Z&include_deleted=true&limit=100",
                                    "sync") if x.get("id") == item_id]
    check(nxt and nxt[0].get("deleted") is True, "no tombstone for the deleted item in the sync stream: %r", nxt)
    check(all(x.get("id") != item_id for x in
              ok_list(api.get("/v1/news?limit=100"), "news list")["data"]), "deleted item still listed")


# ---------------------------------------------------------------- validation

def test_validation_lists_every_problem_at_once(api):
    before = write_state(api)
    r = api.send("POST", "/v1/news", token=_admin(api), json_body={
        "title": 5, "slug": "Not A Slug", "status": "live", "published_at": "yesterday",
        "published_approx": "2021-13", "source_url": "ftp://example.org/", "related_urls": "https://x.org/",
        "tags": ["Bad Tag"], "summary": "", "bogus": 1, "id": "x", "body_html": "<p>x</p>",
        "published_at_confidence": "sure"})
    js = problem(r, 422, "POST with many problems", ptype="validation-failed")
    want = {"title", "slug", "status", "published_at", "published_approx", "source_url", "related_urls", "tags",
            "summary", "bogus", "id", "body_html", "published_at_confidence"}
    got = set(_fields(js))
    eq(got & want, want, "fields named in errors (missing: %r)" % sorted(want - got))
    for e in js["errors"]:
        check(isinstance(e.get("message"), str) and e["message"], "error without a message: %r", e)
    r = api.send("POST", "/v1/helplines", token=_admin(api), json_body={"kind": "pager", "position": 0})
    js = problem(r, 422, "helpline with missing and bad fields")
    eq(set(_fields(js)) >= {"name", "kind", "urgency", "position"}, True,
       "helpline errors name, kind, urgency, position (got %r)" % _fields(js))
    eq(write_state(api), before, "database and audit log after 422s")


def test_validation_of_types_lengths_enums_dates_and_urls(api):
    admin = _admin(api)
    cases = [
        ("news", {"title": "x" * 301}, "title"),
        ("news", {"title": "ok", "summary": "s" * 20001}, "summary"),
        ("news", {"title": "ok", "tags": "zz-a"}, "tags"),
        ("news", {"title": "ok", "tags": ["zz-a"] * 51}, "tags"),
        ("news", {"title": "ok", "status": "Published"}, "status"),
        ("news", {"title": "ok", "status": None}, "status"),
        ("news", {"title": "ok", "published_at": "2021-02-30T00:00:00Z"}, "published_at"),
        ("news", {"title": "ok", "published_at": "2021-02-03T00:00:00"}, "published_at"),
        ("news", {"title": "ok", "source_url": "javascript:alert(1)"}, "source_url"),
        ("news", {"title": "ok", "source_url": "https://exa mple.org/"}, "source_url"),
        ("news", {"title": "line\nbreak"}, "title"),
        ("publications", {"title": "ok", "type": "Report Type"}, "type"),
        ("publications", {"title": "ok", "type": "report", "documents": [{"url": "nope"}]}, "documents[0]"),
        ("publications", {"title": "ok", "type": "report", "documents": [{"url": "https://x.org/", "extra": 1}]},
         "documents[0]"),
        ("helplines", dict(_body("helplines", "v"), email="not-an-email"), "email"),
        ("helplines", dict(_body("helplines", "v"), phone_e164="0800"), "phone_e164"),
        ("helplines", dict(_body("helplines", "v"), is_24_7="yes"), "is_24_7"),
        ("helplines", dict(_body("helplines", "v"), valid_from="2021-05-01", valid_to="2021-04-30"), "valid_to"),
        ("helplines", dict(_body("helplines", "v"), position=10001), "position"),
        ("support-rates", dict(_body("support-rates", "v"), effective_from="2021-13-01"), "effective_from"),
        ("support-rates", dict(_body("support-rates", "v"), effective_from="2021-05-01", effective_to="2021-04-01"),
         "effective_to"),
        ("support-rates", dict(_body("support-rates", "v"), currency="EUR"), "currency"),
        ("support-rates", dict(_body("support-rates", "v"), period="month"), "period"),
        ("resources", {"title": "ok", "type": "guidance", "link": "//example.org/x"}, "link"),
    ]
    before = write_state(api)
    for kind, body, field in cases:
        r = api.send("POST", "/v1/" + kind, token=admin, json_body=body)
        problem(r, 422, "POST /v1/%s %s" % (kind, json.dumps(body)[:120]), field=field, ptype="validation-failed")
    eq(write_state(api), before, "database after refused POSTs")
    r = api.send("POST", "/v1/news", token=admin, json_body={"title": "y" * 300, "slug": PREFIX + "long-title"})
    eq(r.status, 201, "a title of exactly 300 characters (%s)" % r.describe())
    r = api.send("POST", "/v1/news", token=admin, json_body={"title": "\u00e9" * 300, "slug": PREFIX + "long-title-2"})
    eq(r.status, 201, "300 two-byte characters count as 300 (%s)" % r.describe())


def test_amount_pence_must_be_a_non_negative_integer(api):
    admin = _admin(api)
    before = write_state(api)
    for bad in (-1, 1.5, "100", 100.0, True, None, 1e20, [100]):
        body = dict(_body("support-rates", "amount"), amount_pence=bad)
        raw = json.dumps(body)
        r = api.send("POST", "/v1/support-rates", token=admin, raw_body=raw)
        problem(r, 422, "amount_pence %r" % (bad,), field="amount_pence")
    r = api.send("POST", "/v1/support-rates", token=admin,
                 raw_body=json.dumps(_body("support-rates", "amount")).replace('"amount_pence": 100', '"amount_pence": 1e2'))
    problem(r, 422, "amount_pence 1e2 (a JSON real)", field="amount_pence")
    eq(write_state(api), before, "database after refused amounts")
    r = api.send("POST", "/v1/support-rates", token=admin, json_body=dict(_body("support-rates", "amount"), amount_pence=0))
    eq(r.status, 201, "amount_pence 0 (%s)" % r.describe())
    eq(r.json.get("amount_pence"), 0, "amount_pence stored")


def test_support_rate_overlapping_a_known_period_is_422(api):
    admin = _admin(api)
    body = {"id": PREFIX + "overlap", "title": "ZZ overlap", "description": "d", "jurisdiction": "England and Wales",
            "category": "adult_also_receiving_asylum_support_total", "amount_pence": 100, "period": "week",
            "effective_from": "2018-05-01"}
    before = write_state(api)
    r = api.send("POST", "/v1/support-rates", token=admin, json_body=body)
    js = problem(r, 422, "a rate overlapping a known period", field="effective_from", ptype="validation-failed")
    check(isinstance(js.get("errors"), list) and js["errors"], "overlap 422 has no errors list: %r", js)
    eq(write_state(api), before, "database after the overlap 422")
    # the same period in another category is fine; a second overlapping it is not
    ok = dict(body, category="zz_overlap", effective_to="2018-12-31")
    eq(api.send("POST", "/v1/support-rates", token=admin, json_body=ok).status, 201, "same dates, another category")
    r = api.send("POST", "/v1/support-rates", token=admin,
                 json_body=dict(ok, id=PREFIX + "overlap-2", effective_from="2018-12-31", effective_to="2019-06-01"))
    problem(r, 422, "a rate sharing one day with another", field="effective_from")
    r = api.send("POST", "/v1/support-rates", token=admin,
                 json_body=dict(ok, id=PREFIX + "overlap-3", effective_from="2019-01-01", effective_to=None))
    eq(r.status, 201, "the next, adjacent period (%s)" % r.describe())
    # replacing a rate does not clash with itself
    r = api.send("PATCH", "/v1/support-rates/" + PREFIX + "overlap-3", token=admin, json_body={"amount_pence": 200})
    eq(r.status, 200, "PATCH of a rate does not overlap itself (%s)" % r.describe())
    r = api.send("PATCH", "/v1/support-rates/" + PREFIX + "overlap-3", token=admin,
                 json_body={"effective_from": "2018-06-01"})
    problem(r, 422, "PATCH moving a rate into another's period", field="effective_from")


def test_malformed_json_is_400(api):
    admin = _admin(api)
    before = write_state(api)
    bodies = [
        b'{"title": "a", "title": "b"}',
        b'{"title": "ZZ trailing", "slug": "zz-w-trailing"} x',
        b'{"title": "ZZ trailing", "slug": "zz-w-trailing"}{}',
        b'{"title": "ZZ truncated"',
        b'{title: "x"}',
        b"{'title': 'x'}",
        b'{"title": "\xff\xfe"}',
        b'{"title": "x",}',
        b'{"title": NaN}',
        b"",
    ]
    for b in bodies:
        r = api.send("POST", "/v1/news", token=admin, raw_body=b)
        problem(r, 400, "POST body %r" % b[:60], ptype="bad-request")
    r = api.send("PATCH", "/v1/news/times-red-box-op-ed-november-2021", token=admin,
                 raw_body=b'{"summary": "a", "summary": "b"}')
    problem(r, 400, "PATCH with a duplicate key")
    for b in (b"[]", b'"title"', b"42", b"null"):
        r = api.send("POST", "/v1/news", token=admin, raw_body=b)
        check(r.status in (400, 422), "POST body %r: expected 400 or 422, got %s", b, r.describe())
        problem(r, r.status, "POST body %r" % b)
    eq(write_state(api), before, "database after malformed bodies")


def test_not_json_is_415(api):
    admin = _admin(api)
    before = write_state(api)
    body = json.dumps(_body("news", "media-type"))
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/xml",
               "multipart/mixed; boundary=x", "text/json", None):
        r = api.send("POST", "/v1/news", token=admin, raw_body=body, content_type=ct)
        problem(r, 415, "POST with Content-Type %r" % ct, ptype="unsupported-media-type")
    r = api.send("PUT", "/v1/news/times-red-box-op-ed-november-2021", token=admin, raw_body=body,
                 content_type="application/merge-patch+json")
    problem(r, 415, "PUT as merge-patch")
    r = api.send("PATCH", "/v1/news/times-red-box-op-ed-november-2021", token=admin, raw_body='{"summary":"x"}',
                 content_type="text/plain")
    problem(r, 415, "PATCH as text/plain")
    eq(write_state(api), before, "database after 415s")
    r = api.send("POST", "/v1/news", token=admin, raw_body=body, content_type="Application/JSON; charset=utf-8")
    eq(r.status, 201, "application/json with a charset parameter (%s)" % r.describe())


def test_multipart_form_data_is_415(api):
    admin = _admin(api)
    before = write_state(api)
    form = '--zzb\r\nContent-Disposition: form-data; name="title"\r\n\r\nZZ form\r\n--zzb--\r\n'
    js = json.dumps(_body("news", "multipart"))
    for ct, body in (("multipart/form-data; boundary=zzb", form), ("multipart/form-data; boundary=zzb", js)):
        try:
            r = api.send("POST", "/v1/news", token=admin, raw_body=body, content_type=ct)
        except OSError as e:
            raise AssertionError("POST with Content-Type %r: the server closed the connection without an answer "
                                 "(expected 415 problem+json): %r" % (ct, e))
        check(r.status in (400, 415), "POST as %r: expected 415 (or 400), got %s", ct, r.describe())
        problem(r, r.status, "POST as %r" % ct)
    eq(write_state(api), before, "database after multipart POSTs")


def test_multipart_without_a_usable_boundary_is_refused_and_harms_nothing(api):
    """A known limit of Ulfius 2.7.13 (README, "Known limits"): when libmicrohttpd cannot make a
    form parser for a multipart Content-Type (no boundary, or a one-character one), Ulfius drops
    the connection before any handler runs. What we can hold it to: nothing is written, and the
    server goes on answering."""
    admin = _admin(api)
    before = write_state(api)
    js = json.dumps(_body("news", "multipart"))
    for ct in ("multipart/form-data; boundary=x", "multipart/form-data"):
        try:
            r = api.send("POST", "/v1/news", token=admin, raw_body=js, content_type=ct)
            check(r.status in (400, 415), "POST as %r: expected 415 (or 400), got %s", ct, r.describe())
        except OSError:
            pass  # dropped by Ulfius, as documented
        eq(api.get("/healthz").status, 200, "health after a multipart POST as %r" % ct)
    eq(write_state(api), before, "database after multipart POSTs")


def test_body_over_the_limit_is_413_never_truncated(api):
    admin = _admin(api)
    before = write_state(api)
    # valid JSON whose first LIMIT bytes are valid JSON too: truncation would be silent
    head = json.dumps({"title": "ZZ big", "slug": PREFIX + "big"})
    pad = LIMIT + 1 - len(head)
    big = (head[:-1] + " " * pad + "}").encode()
    eq(len(big), LIMIT + 1, "test body size")
    r = api.send("POST", "/v1/news", token=admin, raw_body=big)
    problem(r, 413, "POST of limit + 1 bytes", ptype="payload-too-large")
    r = api.send("POST", "/v1/news", token=admin, raw_body=b'{"title": "' + b"a" * (3 * LIMIT) + b'"}')
    problem(r, 413, "POST of 3 MiB")
    r = api.send("PATCH", "/v1/news/times-red-box-op-ed-november-2021", token=admin,
                 raw_body=b'{"summary": "' + b"a" * LIMIT + b'"}')
    problem(r, 413, "PATCH over the limit")
    eq(write_state(api), before, "database after 413s")
    # exactly the limit is read whole: this one fails validation on its full length
    head = '{"title": "ZZ exact", "slug": "%sexact", "body_markdown": "' % PREFIX
    exact = (head + "a" * (LIMIT - len(head) - 2) + '"}').encode()
    eq(len(exact), LIMIT, "test body size")
    r = api.send("POST", "/v1/news", token=admin, raw_body=exact)
    problem(r, 422, "POST of exactly the limit with a too long body_markdown", field="body_markdown")
    eq(write_state(api), before, "database after the 422")
    ok = (head + "a" * 1000 + '"}' + " " * (LIMIT - len(head) - 1002)).encode()
    eq(len(ok), LIMIT, "test body size")
    r = api.send("POST", "/v1/news", token=admin, raw_body=ok)
    eq(r.status, 201, "POST of exactly the limit, valid (%s)" % r.describe())


def test_unknown_and_read_only_fields_are_rejected(api):
    admin = _admin(api)
    before = write_state(api)
    cases = [("news", "body_html"), ("news", "url"), ("news", "created_at"), ("news", "updated_at"), ("news", "id"),
             ("news", "nonsense"), ("news", "published_on"), ("helplines", "title"),
             ("support-rates", "slug"), ("resources", "deleted_at"), ("resources", "version")]
    for kind, field in cases:
        body = dict(_body(kind, "ro"), **{field: "x"})
        problem(api.send("POST", "/v1/" + kind, token=admin, json_body=body), 422, "POST /v1/%s with %s" % (kind, field),
                field=field)
    problem(api.send("PATCH", "/v1/news/times-red-box-op-ed-november-2021", token=admin, json_body={"views": 3}), 422,
            "PATCH with an unknown field", field="views")
    eq(write_state(api), before, "database after unknown fields")


def test_publications_take_published_on_as_a_london_date(api):
    """published_on on a publication write dates it at that day's start in Europe/London;
    with published_at it must name the same London day (else 422, nothing written)."""
    admin = _admin(api)
    cases = [("bst", {"published_on": "2020-10-08"}, "2020-10-07T23:00:00Z", "2020-10-08"),
             ("gmt", {"published_on": "2020-12-01"}, "2020-12-01T00:00:00Z", "2020-12-01"),
             ("both", {"published_on": "2020-10-08", "published_at": "2020-10-07T23:30:00Z"},
              "2020-10-07T23:30:00Z", "2020-10-08")]
    for n, extra, at, on in cases:
        js = _create(api, "publications", "on-" + n, **extra).json
        eq((js.get("published_at"), js.get("published_on")), (at, on), "POST with %r" % extra)
    slug = PREFIX + "on-gmt"
    r = api.send("PATCH", "/v1/publications/" + slug, token=admin, json_body={"published_on": "2021-07-01"})
    eq(r.status, 200, "PATCH published_on (%s)" % r.describe())
    eq((r.json.get("published_at"), r.json.get("published_on")), ("2021-06-30T23:00:00Z", "2021-07-01"),
       "dates after PATCH published_on")
    r = api.send("PATCH", "/v1/publications/" + slug, token=admin, json_body={"title": "ZZ renamed"})
    eq(r.json.get("published_at"), "2021-06-30T23:00:00Z", "a PATCH without dates keeps published_at")
    r = api.send("PUT", "/v1/publications/" + slug, token=admin,
                 json_body=dict(_body("publications", "on-gmt"), published_on="2019-03-31"))
    eq((r.status, r.json.get("published_at")), (200, "2019-03-31T00:00:00Z"), "PUT with published_on (GMT day of the change)")
    before = write_state(api)
    bad = [("POST", "/v1/publications", dict(_body("publications", "on-bad"), published_on="2020-10-08",
                                             published_at="2020-10-08T23:30:00Z")),
           ("PATCH", "/v1/publications/" + slug, {"published_on": "2020-10-08", "published_at": "2020-10-07T22:59:59Z"}),
           ("POST", "/v1/publications", dict(_body("publications", "on-bad"), published_on="2020-02-30")),
           ("POST", "/v1/publications", dict(_body("publications", "on-bad"), published_on=20201008))]
    for method, path, body in bad:
        problem(api.send(method, path, token=admin, json_body=body), 422, "%s %r" % (method, body), field="published_on")
    eq(write_state(api), before, "database after refused published_on writes")


# ---------------------------------------------------------------- markdown

def test_markdown_is_rendered_safely(api):
    """News and publication bodies: CommonMark rendered with cmark in safe mode."""
    admin = _admin(api)
    md = ("# Heading\n\nSome **bold** and a [link](https://example.org/).\n\n"
          "<script>alert('x')</script>\n\n<div onclick=\"evil()\">raw block</div>\n\n"
          "Inline <img src=x onerror=alert(1)> html and <a href=\"javascript:alert(2)\">a</a>.\n\n"
          "[bad](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n<!-- comment -->\n\n"
          "<iframe src=\"https://evil.example/\"></iframe>\n")
    for kind, extra in (("news", {}), ("publications", {"type": "report"})):
        path = "/v1/%s/%smd" % (kind, PREFIX)
        body = dict(extra, title="ZZ markdown", slug=PREFIX + "md", body_markdown=md)
        r = api.send("POST", "/v1/" + kind, token=admin, json_body=body)
        eq(r.status, 201, "POST %s with markdown (%s)" % (kind, r.describe()))
        html = r.json.get("body_html") or ""
        check("<h1>Heading</h1>" in html, "%s: heading not rendered: %r", kind, html)
        check("<strong>bold</strong>" in html, "%s: bold not rendered: %r", kind, html)
        check('<a href="https://example.org/">link</a>' in html, "%s: link not rendered: %r", kind, html)
        low = html.lower()
        for bad in ("<script", "onclick", "onerror", "<img", "javascript:", "<iframe", "<div", "data:text/html",
                    "<!--  comment"):
            check(bad not in low, "%s: raw HTML %r reaches body_html: %r", kind, bad, html)
        eq(r.json.get("body_markdown"), md, "%s: body_markdown kept as given" % kind)
        # public view shows the same html; a patch re-renders it
        eq(api.get(path).json.get("body_html"), html, "%s: public body_html" % kind)
        r = api.send("PATCH", path, token=admin, json_body={"body_markdown": "_new_ <b>x</b>"})
        eq(r.status, 200, "%s: PATCH body_markdown (%s)" % (kind, r.describe()))
        eq(r.json.get("body_html"), "<p><em>new</em> <!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>\n",
           "%s: body_html after PATCH" % kind)
        r = api.send("PATCH", path, token=admin, json_body={"body_html": "<script>x</script>"})
        eq(_fields(problem(r, 422, "%s: PATCH body_html" % kind)), ["body_html"], "%s: body_html is read-only" % kind)
        r = api.send("PATCH", path, token=admin, json_body={"body_markdown": None})
        eq(r.status, 200, "%s: PATCH removing body_markdown (%s)" % (kind, r.describe()))
        eq(r.json.get("body_html"), None, "%s: body_html without markdown" % kind)
        eq(api.psql("SELECT body_html IS NULL FROM %s WHERE slug = '%smd'" % (kind, PREFIX)).strip(), "t",
           "%s: stored body_html" % kind)


def test_publication_bodies_are_searched_and_fed(api):
    admin = _admin(api)
    word = "zqxpubbodyword"
    r = api.send("POST", "/v1/publications", token=admin,
                 json_body={"title": "ZZ publication with a body", "slug": PREFIX + "pubbody", "type": "report",
                            "summary": "A summary.", "body_markdown": "A foreword about **%s**." % word})
    eq(r.status, 201, "POST publication with a body (%s)" % r.describe())
    hits = api.get("/v1/search?q=" + word).json["data"]
    eq([h["slug"] for h in hits], [PREFIX + "pubbody"], "search for a word only in a publication body")
    check(word in (hits[0].get("snippet") or ""), "snippet from the body: %r", hits[0].get("snippet"))
    feed = api.get("/v1/feeds/publications.json").json
    item = next((i for i in feed["items"] if i["url"].endswith("/v1/publications/" + PREFIX + "pubbody")), None)
    check(item is not None, "the publication is not in its JSON Feed")
    eq(item.get("content_html"), "<p>A foreword about <strong>%s</strong>.</p>\n" % word,
       "JSON Feed content_html of a publication")


# ---------------------------------------------------------------- ETags and If-Match

def test_every_item_response_has_an_etag_and_if_match_is_checked(api):
    admin = _admin(api)
    r = _create(api, "helplines", "etag")
    path = "/v1/helplines/" + PREFIX + "etag"
    e1 = r.headers.get("etag")
    check(e1, "POST answer has no ETag")
    eq(api.get(path).headers.get("etag"), e1, "public GET ETag")
    eq(api.send("GET", path, token=admin).headers.get("etag"), e1, "token GET ETag")
    r = api.send("PATCH", path, token=admin, json_body={"notes": "one"}, headers={"If-Match": e1})
    eq(r.status, 200, "PATCH with the current ETag (%s)" % r.describe())
    e2 = r.headers.get("etag")
    check(e2 and e2 != e1, "ETag after PATCH: %r (before %r)", e2, e1)
    before = write_state(api)
    for method, body in (("PATCH", {"notes": "stale"}), ("PUT", _body("helplines", "etag")), ("DELETE", None)):
        r = api.send(method, path, token=admin, json_body=body, headers={"If-Match": e1})
        problem(r, 412, "%s with a stale If-Match" % method, ptype="precondition-failed")
    for tag in ('W/' + e2, '"nonsense"', 'W/"x", ' + e1):
        r = api.send("PATCH", path, token=admin, json_body={"notes": "weak"}, headers={"If-Match": tag})
        problem(r, 412, "PATCH with If-Match %s" % tag)
    eq(write_state(api), before, "database and audit log after 412s")
    eq(api.get(path).json.get("notes"), "one", "notes after refused writes")
    # the gzip variant of a tag names the same version; a list matches if any entry does
    gz = e2[:-1] + '-gz"'
    r = api.send("PATCH", path, token=admin, json_body={"notes": "two"}, headers={"If-Match": gz})
    eq(r.status, 200, "PATCH with If-Match %s (the -gz variant) (%s)" % (gz, r.describe()))
    e3 = r.headers.get("etag")
    r = api.send("PUT", path, token=admin, json_body=dict(_body("helplines", "etag"), notes="three"),
                 headers={"If-Match": '"other", ' + e3})
    eq(r.status, 200, "PUT with a list containing the current ETag (%s)" % r.describe())
    e4 = r.headers.get("etag")
    r = api.send("PATCH", path, token=admin, json_body={"notes": "four"}, headers={"If-Match": "*"})
    eq(r.status, 200, "PATCH with If-Match: * (%s)" % r.describe())
    e5 = r.headers.get("etag")
    check(len({e1, e2, e3, e4, e5}) == 5, "ETags should change with every write: %r", [e1, e2, e3, e4, e5])
    problem(api.send("DELETE", path, token=admin, headers={"If-Match": e4}), 412, "DELETE with a stale ETag")
    eq(api.send("DELETE", path, token=admin, headers={"If-Match": e5}).status, 204, "DELETE with the current ETag")
    problem(api.send("PATCH", path, token=admin, json_body={"notes": "x"}, headers={"If-Match": "*"}), 404,
            "PATCH If-Match: * on a deleted item")


def test_concurrent_if_match_race_has_exactly_one_winner(api):
    admin = _admin(api)
    r = _create(api, "news", "race")
    path = "/v1/news/" + PREFIX + "race"
    etag = r.headers.get("etag")
    audit0 = int(api.psql("SELECT count(*) FROM audit_log").strip())
    n = 8
    results = run_threads(n, lambda i: api.send("PATCH", path, token=admin, json_body={"summary": "writer %d" % i},
                                                 headers={"If-Match": etag}))
    statuses = [x.status for x in results]
    eq(sorted(statuses), [200] + [412] * (n - 1), "statuses of %d concurrent PATCHes with one If-Match" % n)
    for x in results:
        if x.status == 412:
            problem(x, 412, "a losing PATCH", ptype="precondition-failed")
    winner = statuses.index(200)
    g = api.get(path)
    eq(g.json.get("summary"), "writer %d" % winner, "the item reflects the winner")
    eq(g.headers.get("etag"), results[winner].headers.get("etag"), "ETag of the item vs the winner's")
    eq(api.psql("SELECT version FROM news WHERE slug = '%srace'" % PREFIX).strip(), "2", "version after the race")
    eq(int(api.psql("SELECT count(*) FROM audit_log").strip()) - audit0, 1, "audit records from the race")
    # the same race on DELETE
    etag = g.headers.get("etag")
    results = run_threads(n, lambda i: api.send("DELETE", path, token=admin, headers={"If-Match": etag}))
    statuses = sorted(x.status for x in results)
    eq(statuses.count(204), 1, "concurrent DELETEs that succeed (%r)" % statuses)
    check(all(s in (404, 412) for s in statuses if s != 204), "the losing DELETEs: %r", statuses)


def test_concurrent_patches_without_if_match_lose_no_update(api):
    admin = _admin(api)
    _create(api, "publications", "merge-race")
    path = "/v1/publications/" + PREFIX + "merge-race"
    n = 8
    results = run_threads(n, lambda i: api.send("PATCH", path, token=admin,
                                                 json_body={"identifiers": {"k%d" % i: "v%d" % i}}))
    eq([x.status for x in results], [200] * n,
       "statuses of %d concurrent PATCHes without If-Match (no precondition was sent, so no 412)" % n)
    eq(api.get(path).json.get("identifiers"), {"k%d" % i: "v%d" % i for i in range(n)},
       "identifiers after concurrent merge patches (no lost update)")


# ---------------------------------------------------------------- Idempotency-Key

def test_retried_post_with_an_idempotency_key_creates_one_item(api):
    admin = _admin(api)
    body = json.dumps({"title": "ZZ idempotent", "slug": PREFIX + "idem"})
    hdr = {"Idempotency-Key": "zz-key-1"}
    r1 = api.send("POST", "/v1/news", token=admin, raw_body=body, headers=hdr)
    eq(r1.status, 201, "first POST (%s)" % r1.describe())
    audit = write_state(api)
    r2 = api.send("POST", "/v1/news", token=admin, raw_body=body, headers=hdr)
    eq(r2.status, 201, "retried POST answers like the first (%s)" % r2.describe())
    eq(r2.body, r1.body, "retried POST body")
    eq(r2.headers.get("location"), r1.headers.get("location"), "retried POST Location")
    eq(r2.headers.get("etag"), r1.headers.get("etag"), "retried POST ETag")
    eq(write_state(api), audit, "database and audit log after the retry (nothing created)")
    eq(api.psql("SELECT count(*) FROM news WHERE slug = '%sidem'" % PREFIX).strip(), "1", "items created")
    # same key, different body → 422, nothing created
    r3 = api.send("POST", "/v1/news", token=admin, raw_body=json.dumps({"title": "ZZ idempotent other",
                                                                        "slug": PREFIX + "idem-other"}), headers=hdr)
    problem(r3, 422, "same Idempotency-Key with another body", field="Idempotency-Key")
    eq(write_state(api), audit, "database after the reused key")
    # another path with the same key is another request too
    r4 = api.send("POST", "/v1/resources", token=admin, raw_body=body, headers=hdr)
    problem(r4, 422, "same Idempotency-Key on another collection")
    # keys belong to a token: another token may use the same key
    other = shared_token(api, "news:write")
    r5 = api.send("POST", "/v1/news", token=other, json_body={"title": "ZZ idem other token", "slug": PREFIX + "idem-tok"},
                  headers=hdr)
    eq(r5.status, 201, "the same key with another token (%s)" % r5.describe())


def test_idempotency_key_expires_after_24_hours(api):
    admin = _admin(api)
    body = {"title": "ZZ idem old", "slug": PREFIX + "idem-old"}
    hdr = {"Idempotency-Key": "zz-key-old"}
    eq(api.send("POST", "/v1/news", token=admin, json_body=body, headers=hdr).status, 201, "first POST")
    api.psql("UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = 'zz-key-old'")
    r = api.send("POST", "/v1/news", token=admin, json_body=body, headers=hdr)
    problem(r, 409, "the same POST after 24 h is a new request (its slug is now taken)", field="slug")
    api.psql("UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = 'zz-key-old'")


def test_concurrent_posts_with_the_same_idempotency_key_create_one_item(api):
    admin = _admin(api)
    body = json.dumps({"title": "ZZ idem race", "slug": PREFIX + "idem-race", "summary": "s"})
    audit0 = int(api.psql("SELECT count(*) FROM audit_log").strip())
    n = 6
    results = run_threads(n, lambda i: api.send("POST", "/v1/news", token=admin, raw_body=body,
                                                 headers={"Idempotency-Key": "zz-race-key"}))
    eq([x.status for x in results], [201] * n, "statuses of concurrent POSTs with one Idempotency-Key")
    eq(len({x.body for x in results}), 1, "distinct bodies among the answers")
    eq(len({x.headers.get("location") for x in results}), 1, "distinct Locations among the answers")
    eq(api.psql("SELECT count(*) FROM news WHERE slug = '%sidem-race'" % PREFIX).strip(), "1", "items created")
    eq(int(api.psql("SELECT count(*) FROM audit_log").strip()) - audit0, 1, "audit records")


def test_bad_idempotency_key_is_400(api):
    admin = _admin(api)
    before = write_state(api)
    for key in ("has space", "x" * 256, "t\u00e9st".encode("utf-8").decode("latin-1")):
        r = api.send("POST", "/v1/news", token=admin, json_body={"title": "ZZ bad key", "slug": PREFIX + "bad-key"},
                     headers={"Idempotency-Key": key})
        problem(r, 400, "Idempotency-Key %r" % key[:20])
    eq(write_state(api), before, "database after bad keys")


# ---------------------------------------------------------------- refused writes change nothing

def test_refused_writes_leave_the_database_and_audit_log_unchanged(api):
    admin = _admin(api)
    news_only = shared_token(api, "news:write")
    r = _create(api, "news", "refused")
    path = "/v1/news/" + PREFIX + "refused"
    stale = r.headers.get("etag")
    eq(api.send("PATCH", path, token=admin, json_body={"summary": "v2"}).status, 200, "PATCH")
    cases = [
        (422, "POST", "/v1/news", admin, json.dumps({"title": ""}), "application/json", {}),
        (422, "PATCH", path, admin, json.dumps({"status": "gone"}), "application/json", {}),
        (409, "POST", "/v1/news", admin, json.dumps({"title": "x", "slug": PREFIX + "refused"}), "application/json", {}),
        (412, "PATCH", path, admin, json.dumps({"summary": "v3"}), "application/json", {"If-Match": stale}),
        (412, "DELETE", path, admin, None, None, {"If-Match": stale}),
        (413, "POST", "/v1/news", admin, b"{" + b" " * LIMIT + b"}", "application/json", {}),
        (415, "POST", "/v1/news", admin, json.dumps({"title": "x"}), "text/plain", {}),
        (400, "POST", "/v1/news", admin, b'{"title": "x"} {}', "application/json", {}),
        (401, "POST", "/v1/news", None, json.dumps({"title": "ZZ-W anon"}), "application/json", {}),
        (401, "DELETE", path, "iasc_" + "1" * 64, None, None, {}),
        (403, "POST", "/v1/resources", news_only, json.dumps(_body("resources", "forbidden")), "application/json", {}),
        (403, "DELETE", "/v1/resources/" + PREFIX + "create-resources", news_only, None, None, {}),
        (404, "PUT", "/v1/news/" + PREFIX + "none", admin, json.dumps({"title": "x"}), "application/json", {}),
    ]
    for status, method, p, tok, body, ct, hdrs in cases:
        before = write_state(api)
        r = api.send(method, p, token=tok, raw_body=body, content_type=ct, headers=hdrs)
        problem(r, status, "%s %s (expecting %d)" % (method, p, status))
        eq(write_state(api), before, "database and audit log after the %d to %s %s" % (status, method, p))


def test_zz_clean_up_write_test_items(api):
    purge_items(api, PREFIX)
