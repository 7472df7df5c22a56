"""Private helpers for test_feeds.py and test_mirror.py: admin writes, feed parsing with Debian's
feedparser (run under /usr/bin/python3 in a subprocess, since the runner's own Python may lack
it), xmllint, the stdlib XML view of a feed, and clean-up of rows the tests made."""

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET

from apilib import check, request, TestFailure

SYSTEM_PYTHON = "/usr/bin/python3"
EPOCH = "2000-01-01T00:00:00Z"

ATOM_NS = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"

CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
FEED_NAMES = ("news", "publications", "all")
FORMATS = ("atom", "rss", "json")

# ------------------------------------------------------------------ writes

def token(api):
    """One admin bearer token per test run (made with `iasc-api token create`)."""
    tok = getattr(api, "_feedcheck_token", None)
    if tok:
        return tok
    p = api.run_cli("token", "create", "--name", "feeds-and-mirror-tests", "--scope", "admin")
    out = p.stdout.decode(errors="replace").strip().splitlines()
    check(p.returncode == 0 and out, "token create failed (%d): %s", p.returncode,
          (p.stdout + p.stderr).decode(errors="replace")[-600:])
    api._feedcheck_token = out[-1].strip()
    return api._feedcheck_token


def send(api, method, path, body=None, tok=None, headers=None, timeout=30):
    """A write (or any request) with a bearer token and a JSON body."""
    h = {"Authorization": "Bearer " + (tok or token(api))}
    data = None
    if body is not None:
        h["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    h.update(headers or {})
    return request(api.host, api.port, path, headers=h, method=method, body=data, timeout=timeout)


def write_ok(r, status, what):
    check(r.status == status, "%s: expected %d, got %s", what, status, r.describe())
    return r.json


def create(api, kind, doc, what=None):
    r = send(api, "POST", "/v1/" + kind, doc)
    return write_ok(r, 201, what or "POST /v1/%s %r" % (kind, doc.get("title") or doc.get("name")))


def hard_delete(api, table, ids):
    """Removes rows the tests made, tombstones and all, so later tests see the starter data."""
    ids = [i for i in ids if i]
    if not ids:
        return
    lits = ",".join("'%s'" % i.replace("'", "''") for i in ids)
    if table == "publications":
        api.psql("DELETE FROM publication_documents WHERE publication_id::text IN (%s)" % lits)
    api.psql("DELETE FROM %s WHERE id::text IN (%s)" % (table, lits))
    # The server's response cache hears of changes made behind its back by NOTIFY, a moment
    # later: give it that moment so that the next test reads fresh answers.
    time.sleep(0.3)


# ------------------------------------------------------------------ time

def utc_iso(t):
    """RFC 3339 UTC with microseconds for a Unix time."""
    import datetime
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ts_key(s):
    """An RFC 3339 time as an aware datetime (exact to the microsecond, for ordering)."""
    import datetime
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def parse_ts(s):
    import datetime
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


# ------------------------------------------------------------------ feeds

def feed_url(api, name, fmt, query=""):
    return "/v1/feeds/%s.%s%s" % (name, fmt, ("?" + query) if query else "")


def norm_ct(ct):
    return (ct or "").replace(" ", "").lower()


def get_feed(api, path, fmt, what=None):
    """GETs a feed and asserts 200 with the exact Content-Type; returns the response."""
    what = what or path
    r = api.get(path)
    check(r.status == 200, "%s: expected 200, got %s", what, r.describe())
    check(norm_ct(r.headers.get("content-type")) == norm_ct(CONTENT_TYPES[fmt]),
          "%s: Content-Type %r, want %r", what, r.headers.get("content-type"), CONTENT_TYPES[fmt])
    check(r.body, "%s: empty body", what)
    return r


_PARSE_SCRIPT = r"""
import json, sys, time
import feedparser
d = feedparser.parse(sys.stdin.buffer.read())
def ts(t):
    return None if not t else time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
def links(x):
    return [{k: str(v) for k, v in dict(l).items()} for l in x.get("links", [])]
out = {"bozo": bool(d.get("bozo")),
       "bozo_exception": repr(d.get("bozo_exception")) if d.get("bozo") else None,
       "version": d.get("version"), "title": d.feed.get("title"), "id": d.feed.get("id"),
       "links": links(d.feed), "updated": ts(d.feed.get("updated_parsed")), "entries": []}
for e in d.entries:
    out["entries"].append({
        "id": e.get("id"), "title": e.get("title"), "link": e.get("link"), "links": links(e),
        "published": ts(e.get("published_parsed")), "updated": ts(e.get("updated_parsed")),
        "summary": e.get("summary"),
        "content": [c.get("value") for c in e.get("content", [])],
        "tags": [t.get("term") for t in e.get("tags", [])],
        "enclosures": [{k: str(v) for k, v in dict(x).items()} for x in e.get("enclosures", [])]})
json.dump(out, sys.stdout)
"""


def feedparse(body, what):
    """Parses a feed with Debian's python3-feedparser; returns a plain-dict summary."""
    check(os.access(SYSTEM_PYTHON, os.X_OK), "%s not found (needed for feedparser)", SYSTEM_PYTHON)
    p = subprocess.run([SYSTEM_PYTHON, "-c", _PARSE_SCRIPT], input=body, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise TestFailure("%s: feedparser run failed (%d): %s" % (what, p.returncode,
                                                                 p.stderr.decode(errors="replace")[-800:]))
    return json.loads(p.stdout.decode("utf-8"))


def xmllint(body, what):
    """Asserts the body is well-formed XML according to xmllint --noout."""
    exe = shutil.which("xmllint") or "/usr/bin/xmllint"
    check(os.access(exe, os.X_OK), "xmllint not found (Debian libxml2-utils)")
    p = subprocess.run([exe, "--noout", "-"], input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    check(p.returncode == 0, "%s: xmllint --noout failed (%d): %s", what, p.returncode,
          p.stderr.decode(errors="replace")[:1500])


def parsed_ok(r, fmt, what):
    """xmllint + feedparser (no bozo, right version, every entry with title, link, id and a
    date). Returns the feedparser summary."""
    xmllint(r.body, what)
    d = feedparse(r.body, what)
    check(not d["bozo"], "%s: feedparser bozo: %s", what, d["bozo_exception"])
    want = {"atom": "atom10", "rss": "rss20"}[fmt]
    check(d["version"] == want, "%s: feedparser version %r, want %r", what, d["version"], want)
    for i, e in enumerate(d["entries"]):
        for f in ("title", "link", "id"):
            check(e.get(f), "%s: entry %d has no %s: %r", what, i, f, e)
        check(e.get("published") or e.get("updated"), "%s: entry %d (%s) has no date: %r", what, i, e["id"], e)
    return d


def json_feed_ok(r, what):
    """Asserts the JSON Feed 1.1 required fields; returns the document."""
    try:
        d = json.loads(r.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise TestFailure("%s: not JSON: %s: %r" % (what, e, r.body[:200]))
    check(isinstance(d, dict), "%s: not a JSON object", what)
    check(d.get("version") == "https://jsonfeed.org/version/1.1", "%s: version %r", what, d.get("version"))
    check(isinstance(d.get("title"), str) and d["title"], "%s: no title", what)
    check(isinstance(d.get("items"), list), "%s: items is not a list", what)
    for i, it in enumerate(d["items"]):
        check(isinstance(it, dict), "%s: item %d not an object", what, i)
        check(isinstance(it.get("id"), str) and it["id"], "%s: item %d without a string id: %r", what, i, it)
        check(isinstance(it.get("url"), str) and it["url"], "%s: item %d without url", what, i)
        check(isinstance(it.get("title"), str) and it["title"], "%s: item %d without title", what, i)
        check(isinstance(it.get("content_html"), str) or isinstance(it.get("content_text"), str),
              "%s: item %d has neither content_html nor content_text: %r", what, i, it)
        check(it.get("date_published") or it.get("date_modified"), "%s: item %d has no date", what, i)
        for a in it.get("attachments") or []:
            check(a.get("url") and a.get("mime_type"), "%s: item %d attachment lacks url/mime_type: %r",
                  what, i, a)
    return d


def xml_entries(body, fmt):
    """The stdlib view of a feed's entries, for exact text round trips: a list of dicts with
    id, title, link, summary, content, categories, enclosures, published, updated."""
    root = ET.fromstring(body)
    out = []
    if fmt == "atom":
        for e in root.findall(ATOM_NS + "entry"):
            links = e.findall(ATOM_NS + "link")
            out.append({
                "id": e.findtext(ATOM_NS + "id"),
                "title": e.findtext(ATOM_NS + "title"),
                "link": next((l.get("href") for l in links if l.get("rel") in (None, "alternate")), None),
                "summary": e.findtext(ATOM_NS + "summary"),
                "content": e.findtext(ATOM_NS + "content"),
                "categories": [c.get("term") for c in e.findall(ATOM_NS + "category")],
                "enclosures": [dict(l.attrib) for l in links if l.get("rel") == "enclosure"],
                "published": e.findtext(ATOM_NS + "published"),
                "updated": e.findtext(ATOM_NS + "updated"),
            })
    else:
        for e in root.find("channel").findall("item"):
            out.append({
                "id": e.findtext("guid"),
                "title": e.findtext("title"),
                "link": e.findtext("link"),
                "summary": e.findtext("description"),
                "content": e.findtext(CONTENT_NS + "encoded"),
                "categories": [c.text for c in e.findall("category")],
                "enclosures": [dict(x.attrib) for x in e.findall("enclosure")],
                "published": e.findtext("pubDate"),
                "updated": None,
            })
    return out


def json_entries(doc):
    out = []
    for it in doc["items"]:
        out.append({
            "id": it.get("id"), "title": it.get("title"), "link": it.get("url"),
            "summary": it.get("summary"), "content": it.get("content_html"),
            "categories": it.get("tags") or [],
            "enclosures": it.get("attachments") or [],
            "published": it.get("date_published"), "updated": it.get("date_modified"),
        })
    return out


def self_link(api, r, fmt):
    """The feed's self link: Atom link rel=self, RSS atom:link rel=self, JSON feed_url."""
    if fmt == "json":
        return json.loads(r.body.decode("utf-8")).get("feed_url")
    root = ET.fromstring(r.body)
    parent = root if fmt == "atom" else root.find("channel")
    for l in parent.findall(ATOM_NS + "link"):
        if l.get("rel") == "self":
            return l.get("href")
    return None


def entries(api, r, fmt):
    """Entries of any format in the common dict shape (stdlib parsers)."""
    if fmt == "json":
        return json_entries(json.loads(r.body.decode("utf-8")))
    return xml_entries(r.body, fmt)


def valid_entries(api, path, fmt):
    """GETs the feed at path, checks it is a valid feed of its format (feedparser and
    xmllint, or the JSON Feed rules), and returns its entries in the common dict shape."""
    r = get_feed(api, path, fmt)
    if fmt == "json":
        json_feed_ok(r, path)
    else:
        parsed_ok(r, fmt, path)
    return entries(api, r, fmt)


def strip_disallowed(s):
    """s without the characters an XML feed writer must drop: C0 controls other than tab, LF
    and CR, DEL and the C1 controls, U+FDD0..U+FDEF and U+xFFFE/U+xFFFF."""
    out = []
    for ch in s:
        cp = ord(ch)
        if cp < 0x20 and ch not in "\t\n\r":
            continue
        if 0x7F <= cp <= 0x9F or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
            continue
        out.append(ch)
    return "".join(out)


def sql_literal(s):
    """A PostgreSQL E'' literal for any text (non-ASCII and control characters as \\u or \\U escapes)."""
    out = []
    for ch in s:
        cp = ord(ch)
        if ch == "'" or ch == "\\" or cp < 0x20 or cp > 0x7E:
            out.append("\\U%08X" % cp if cp > 0xFFFF else "\\u%04X" % cp)
        else:
            out.append(ch)
    return "E'" + "".join(out) + "'"


def quote(s):
    return urllib.parse.quote(s, safe="")
