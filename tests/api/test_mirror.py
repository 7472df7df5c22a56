"""Sync: updated_since + include_deleted on every collection, scheduled publication as a change,
and a mirror that polls while admins write concurrently and must end up equal to the live
collection."""

import random
import threading
import time
import urllib.parse

from apilib import check, eq, ok_json, ok_list, problem, all_items, walk, TestFailure
import feedcheck as fc
from feedcheck import EPOCH, ts_key as K

ENDPOINTS = ["/v1/news", "/v1/publications", "/v1/helplines", "/v1/support-rates", "/v1/resources"]
TABLES = {"/v1/news": "news", "/v1/publications": "publications", "/v1/helplines": "helplines",
          "/v1/support-rates": "support_rates", "/v1/resources": "resources"}
TOMBSTONE_KEYS = {"id", "slug", "deleted", "updated_at"}


def _stream(api, ep, since, include_deleted=False, limit=100, what=None):
    path = "%s?updated_since=%s&limit=%d%s" % (ep, fc.quote(since), limit,
                                               "&include_deleted=true" if include_deleted else "")
    return all_items(api, path, what or path)


def _nondecreasing(items, what, floor=None):
    prev = floor
    for x in items:
        t = x.get("updated_at")
        check(isinstance(t, str), "%s: item without updated_at: %r", what, x)
        check(prev is None or K(t) >= K(prev), "%s: updated_at goes back from %s to %s (%s)", what, prev, t,
              x.get("slug") or x.get("id"))
        prev = t


def test_sync_stream_of_every_collection_pages_and_resumes_exactly(api):
    for ep in ENDPOINTS:
        whole = _stream(api, ep, EPOCH, what=ep + " stream")
        check(len(whole) >= 3, "%s: stream has %d items", ep, len(whole))
        _nondecreasing(whole, ep + " stream")
        ids = [x["id"] for x in whole]
        eq(len(ids), len(set(ids)), ep + " stream repeats an item")
        paged = _stream(api, ep, EPOCH, limit=3, what=ep + " stream, pages of 3")
        eq([x["id"] for x in paged], ids, ep + " pages of 3 vs one page")
        eq(paged, whole, ep + " items in pages of 3 vs one page")
        # resuming from any item's time gives exactly the items at or after it
        for k in (1, len(whole) // 2, len(whole) - 1):
            t = whole[k]["updated_at"]
            got = _stream(api, ep, t, limit=4, what="%s from %s" % (ep, t))
            eq([x["id"] for x in got], [x["id"] for x in whole if K(x["updated_at"]) >= K(t)],
               "%s resumed at %s (inclusive)" % (ep, t))


def _docs(tag):
    """A valid new item for each collection (tag keeps slugs apart between runs)."""
    return {
        "/v1/news": {"title": "Sync test news " + tag, "published_at": fc.utc_iso(time.time() - 60)},
        "/v1/publications": {"title": "Sync test publication " + tag, "type": "report",
                             "published_at": fc.utc_iso(time.time() - 60)},
        "/v1/helplines": {"name": "Sync test helpline " + tag, "kind": "phone", "phone": "0800 000 000",
                          "urgency": "advice", "position": 9990},
        "/v1/support-rates": {"id": "sync-test-rate-" + tag, "title": "Sync test rate " + tag,
                              "description": "A test rate.", "jurisdiction": "Sync Testland " + tag,
                              "category": "subsistence", "amount_pence": 100, "period": "week"},
        "/v1/resources": {"title": "Sync test resource " + tag, "type": "guidance"},
    }


def _wait_for(api, ep, since, pred, include_deleted, what, timeout=6.0):
    """Polls the stream (a change may be held back for a moment; served within 5 s)."""
    deadline = time.time() + timeout
    while True:
        items = _stream(api, ep, since, include_deleted=include_deleted, limit=7, what=what)
        if pred(items) or time.time() > deadline:
            return items
        time.sleep(0.2)


def test_every_collection_streams_creates_updates_and_deletes_with_tombstones(api):
    tag = "%x" % random.getrandbits(24)
    made = {}
    try:
        for ep, doc in _docs(tag).items():
            last = _stream(api, ep, EPOCH, what=ep)[-1]["updated_at"]
            item = fc.create(api, ep[4:], doc, "POST " + ep)
            made[ep] = item["id"]
            key = item["id"] if ep == "/v1/support-rates" else item["slug"]
            check(K(item["updated_at"]) > K(last), "%s: a new item's updated_at %s is not after %s", ep,
                  item["updated_at"], last)
            got = _wait_for(api, ep, last, lambda xs: any(x["id"] == item["id"] for x in xs), False, ep + " create")
            eq([x["id"] for x in got][-1:], [item["id"]], ep + ": the created item is the last change")
            eq(got[-1], ok_json(api.get("%s?updated_since=%s" % (ep, fc.quote(item["updated_at"]))),
                                ep)["data"][0], ep + " created item in a stream starting at its time")

            new_title = {"/v1/helplines": "name"}.get(ep, "title")
            r = fc.send(api, "PATCH", "%s/%s" % (ep, key), {new_title: "Sync test changed " + tag})
            patched = fc.write_ok(r, 200, "PATCH " + ep)
            check(K(patched["updated_at"]) > K(item["updated_at"]), "%s: PATCH did not move updated_at", ep)
            got = _wait_for(api, ep, item["updated_at"],
                            lambda xs: any(x["updated_at"] == patched["updated_at"] for x in xs), False, ep + " patch")
            eq([(x["id"], x["updated_at"]) for x in got], [(item["id"], patched["updated_at"])],
               ep + " stream since the create (the item once, as patched)")
            eq(got[0].get(new_title), "Sync test changed " + tag, ep + " patched field in the stream")

            r = fc.send(api, "DELETE", "%s/%s" % (ep, key))
            check(r.status == 204, "DELETE %s: expected 204, got %s", ep, r.describe())
            problem(api.get("%s/%s" % (ep, key)), 404, ep + " deleted item")
            got = _wait_for(api, ep, patched["updated_at"], lambda xs: any(x.get("deleted") for x in xs), True,
                            ep + " delete")
            eq(len(got), 1, ep + " stream+tombstones since the patch: items")
            tomb = got[0]
            eq(set(tomb), TOMBSTONE_KEYS, ep + " tombstone keys")
            eq((tomb["id"], tomb["deleted"]), (item["id"], True), ep + " tombstone")
            eq(tomb["slug"], item["slug"], ep + " tombstone slug")
            check(K(tomb["updated_at"]) > K(patched["updated_at"]), "%s: tombstone updated_at %s not after %s", ep,
                  tomb["updated_at"], patched["updated_at"])
            eq(_stream(api, ep, patched["updated_at"], what=ep + " no tombstones"), [],
               ep + " stream without include_deleted after the delete")
            whole = _stream(api, ep, EPOCH, include_deleted=True, what=ep + " whole stream with tombstones")
            eq(whole[-1], tomb, ep + " the deletion is the latest change in the whole stream")
            _nondecreasing(whole, ep + " whole stream with tombstones")
            check(item["id"] not in [x["id"] for x in _stream(api, ep, EPOCH, what=ep)],
                  "%s: deleted item still in the stream without include_deleted", ep)
    finally:
        for ep, iid in made.items():
            fc.hard_delete(api, TABLES[ep], [iid])


def test_scheduled_item_enters_the_sync_stream_at_its_publish_time(api):
    before = _stream(api, "/v1/news", EPOCH, what="news stream")
    resume = before[-1]["updated_at"]
    at = time.time() + 3.0
    item = fc.create(api, "news", {"title": "Scheduled sync test", "slug": "scheduled-sync-test",
                                   "published_at": fc.utc_iso(at), "status": "published"})
    try:
        published_at = item["published_at"]
        check(abs(fc.parse_ts(published_at) - at) < 1.0, "published_at %r, want about %s", published_at,
              fc.utc_iso(at))
        # Before its time: not public anywhere.
        problem(api.get("/v1/news/scheduled-sync-test"), 404, "scheduled item before its time")
        check(item["id"] not in [x["id"] for x in all_items(api, "/v1/news?limit=100", "news list")],
              "scheduled item listed before its time")
        pre = _stream(api, "/v1/news", resume, what="stream before the publish time")
        check(item["id"] not in [x["id"] for x in pre], "scheduled item in the sync stream before its time")
        pre = _stream(api, "/v1/news", resume, include_deleted=True, what="stream+deleted before the time")
        live = [x for x in pre if x["id"] == item["id"] and not x.get("deleted")]
        eq(live, [], "scheduled item served as live (with include_deleted) before its time")
        # A mirror that has been served everything up to now resumes from the latest time it saw.
        seen = max([resume] + [x["updated_at"] for x in pre], key=K)
        check(time.time() < at, "test too slow: the publish time passed before the checks")
        deadline = at + 6.0
        got = []
        while time.time() < deadline:
            got = [x for x in _stream(api, "/v1/news", seen, what="stream after the time")
                   if x["id"] == item["id"]]
            if got:
                break
            time.sleep(0.2)
        found = time.time()
        check(got, "scheduled item not in the sync stream (resumed at %s) within 6 s of its publish time %s",
              seen, published_at)
        check(found - at <= 5.5, "scheduled item reached the stream %.1f s after its publish time", found - at)
        x = got[0]
        check(K(x["updated_at"]) >= K(published_at), "scheduled item streamed with updated_at %s before its publish "
              "time %s", x["updated_at"], published_at)
        check(K(x["updated_at"]) >= K(seen), "scheduled item streamed below the resume point %s: %s", seen,
              x["updated_at"])
        eq(x.get("published_at"), published_at, "published_at in the stream")
        ok_json(api.get("/v1/news/scheduled-sync-test"), "scheduled item after its time")
        full = _stream(api, "/v1/news", EPOCH, what="whole stream after the time")
        eq(full[-1]["id"], item["id"], "the publication is the latest change in the whole stream")
        _nondecreasing(full, "whole stream after the publication")
        feed = fc.entries(api, fc.get_feed(api, "/v1/feeds/news.atom", "atom"), "atom")
        check("urn:uuid:" + item["id"] in [e["id"] for e in feed], "scheduled item not in news.atom after its time")
    finally:
        fc.hard_delete(api, "news", [item["id"]])


# ------------------------------------------------------------------ the mirror

class Mirror:
    """A client keeping a copy of /v1/news with updated_since + include_deleted."""

    def __init__(self, api, limit):
        self.api = api
        self.limit = limit
        self.items = {}
        self.since = EPOCH
        self.polls = 0
        self.requests = 0
        self.tombstones = 0
        self.upserts = 0

    def sync(self):
        """Follows one stream from the resume point to its end; applies every item."""
        resume = self.since
        base = "/v1/news?updated_since=%s&include_deleted=true&limit=%d" % (fc.quote(resume), self.limit)
        url = base
        prev = resume
        cursors = set()
        while True:
            r = self.api.get(url)
            self.requests += 1
            js = ok_list(r, "mirror stream page " + url)
            check(len(js["data"]) <= self.limit, "mirror: %d items on a page of %d", len(js["data"]), self.limit)
            for x in js["data"]:
                t = x.get("updated_at")
                check(isinstance(t, str), "mirror: item without updated_at: %r", x)
                check(K(t) >= K(resume), "mirror: served %s (%s) below the resume point %s", t, x.get("id"), resume)
                check(K(t) >= K(prev), "mirror: updated_at went back within a stream: %s after %s (%s)", t, prev,
                      x.get("id"))
                prev = t
                if x.get("deleted") is True:
                    eq(set(x), TOMBSTONE_KEYS, "mirror: tombstone keys")
                    self.items.pop(x["id"], None)
                    self.tombstones += 1
                else:
                    check("deleted" not in x, "mirror: a live item carries deleted: %r", x)
                    self.items[x["id"]] = x
                    self.upserts += 1
            cur = js.get("next_cursor")
            if cur is None:
                break
            check(cur not in cursors, "mirror: next_cursor repeats")
            cursors.add(cur)
            url = base + "&cursor=" + fc.quote(cur)
        self.since = prev
        self.polls += 1


class Writer(threading.Thread):
    """Creates, changes (title, slug, status, publish time) and deletes its own news items."""

    def __init__(self, api, tok, run, n, stop, seed):
        super().__init__(daemon=True)
        self.api, self.tok, self.run_tag, self.n, self.stop = api, tok, run, n, stop
        self.rng = random.Random(seed)
        self.live = {}  # slug -> id
        self.made = []
        self.deleted = []
        self.latest_schedule = 0.0
        self.counter = 0
        self.ops = {"create": 0, "schedule": 0, "draft": 0, "patch": 0, "slug": 0, "status": 0, "delete": 0}
        self.errors = []

    def slug(self):
        self.counter += 1
        return "mirror-%s-w%d-%d" % (self.run_tag, self.n, self.counter)

    def write(self, method, path, body, status):
        r = fc.send(self.api, method, path, body, tok=self.tok)
        if r.status != status:
            self.errors.append("%s %s %r: expected %d, got %s" % (method, path, body, status, r.describe(300)))
            return None
        return r.json if r.json is not None else {}

    def run(self):
        try:
            while not self.stop.is_set():
                self.step()
                time.sleep(self.rng.uniform(0.0, 0.015))
        except Exception as e:  # recorded; the test fails on it
            self.errors.append("%s: %s" % (type(e).__name__, e))

    def step(self):
        rng = self.rng
        op = rng.random()
        if op < 0.4 or len(self.live) < 3:
            slug = self.slug()
            doc = {"title": "Mirror %s" % slug, "slug": slug, "summary": "Mirror test item.",
                   "body_markdown": "Item *%s*." % slug, "tags": ["mirror-test"],
                   "published_at": fc.utc_iso(time.time() - rng.uniform(1, 1000))}
            kind = "create"
            u = rng.random()
            if u < 0.15:  # scheduled: goes live on its own a moment later
                at = time.time() + rng.uniform(0.2, 1.5)
                doc["published_at"] = fc.utc_iso(at)
                self.latest_schedule = max(self.latest_schedule, at)
                kind = "schedule"
            elif u < 0.25:
                doc["status"] = "draft"
                kind = "draft"
            x = self.write("POST", "/v1/news", doc, 201)
            if x is not None:
                self.live[slug] = x["id"]
                self.made.append(x["id"])
                self.ops[kind] += 1
        elif op < 0.8:
            slug = rng.choice(sorted(self.live))
            u = rng.random()
            if u < 0.15:
                new = self.slug()
                x = self.write("PATCH", "/v1/news/" + slug, {"slug": new, "title": "Renamed " + new}, 200)
                if x is not None:
                    self.live[new] = self.live.pop(slug)
                    self.ops["slug"] += 1
            elif u < 0.35:
                body = {"status": rng.choice(["draft", "published"])}
                if rng.random() < 0.3:
                    at = time.time() + rng.uniform(0.2, 1.2)
                    body = {"status": "published", "published_at": fc.utc_iso(at)}
                    self.latest_schedule = max(self.latest_schedule, at)
                if self.write("PATCH", "/v1/news/" + slug, body, 200) is not None:
                    self.ops["status"] += 1
            else:
                body = {"title": "Mirror %s v%d" % (slug, rng.randrange(10 ** 6))}
                if rng.random() < 0.3:
                    body["summary"] = "Changed %d." % rng.randrange(10 ** 6)
                if self.write("PATCH", "/v1/news/" + slug, body, 200) is not None:
                    self.ops["patch"] += 1
        else:
            slug = rng.choice(sorted(self.live))
            if self.write("DELETE", "/v1/news/" + slug, None, 204) is not None:
                self.deleted.append(self.live.pop(slug))
                self.ops["delete"] += 1


def _live_news(api):
    """The live collection as the public list shows it, and as the database has it."""
    listed = {x["id"]: x for x in all_items(api, "/v1/news?limit=100", "live news list")}
    rows = api.psql("SELECT id, iasc_ts(updated_at) FROM news t WHERE t.deleted_at IS NULL"
                    " AND t.status = 'published' AND (t.published_at IS NULL OR t.published_at <= now())")
    db = dict(ln.split("|") for ln in rows.split())
    return listed, db


def _mirror_scenario(api, run, seconds=4.0, writers=4, limit=7):
    tok = fc.token(api)
    stop = threading.Event()
    ws = [Writer(api, tok, run, i, stop, seed="%s-%d-%d" % (run, i, int(time.time()))) for i in range(writers)]
    mirror = Mirror(api, limit)
    mirror_errors = []

    def poll():
        try:
            while not stop.is_set():
                mirror.sync()
                time.sleep(0.02)
        except Exception as e:
            mirror_errors.append(e)

    m = threading.Thread(target=poll, daemon=True)
    try:
        mirror.sync()  # the whole collection first
        for w in ws:
            w.start()
        m.start()
        time.sleep(seconds)
        stop.set()
        for w in ws:
            w.join(30)
        m.join(30)
        check(not any(w.is_alive() for w in ws) and not m.is_alive(), "run %s: a thread did not stop", run)
        if mirror_errors:
            e = mirror_errors[0]
            raise e if isinstance(e, AssertionError) else TestFailure("run %s: mirror: %r" % (run, e))
        errs = [e for w in ws for e in w.errors]
        check(not errs, "run %s: %d writes failed, e.g.:\n%s", run, len(errs), "\n".join(errs[:5]))
        ops = {k: sum(w.ops[k] for w in ws) for k in ws[0].ops}
        for k in ("create", "patch", "delete", "schedule"):
            check(ops[k] > 0, "run %s: no %s happened (%r): the scenario did not exercise it", run, k, ops)
        check(mirror.polls >= 3, "run %s: the mirror polled only %d times while writers ran", run, mirror.polls)

        # Settle: the last scheduled items go live (served within 5 s of their time); sync until
        # the mirror equals the live collection.
        latest = max(w.latest_schedule for w in ws)
        stopped = time.time()
        deadline = max(stopped, latest) + 6.0
        while True:
            mirror.sync()
            listed, db = _live_news(api)
            mine = {i: x["updated_at"] for i, x in mirror.items.items()}
            if (mine == db and mirror.items == listed) or time.time() > deadline:
                break
            time.sleep(0.25)
        missing = sorted(set(db) - set(mine))
        extra = sorted(set(mine) - set(db))
        stale = sorted(i for i in set(mine) & set(db) if mine[i] != db[i])
        check(not (missing or extra or stale),
              "run %s (ops %r, %d polls): the mirror differs from the database %.1f s after the writers "
              "stopped:\n missing %d %r\n extra (deleted/unpublished live) %d %r\n stale %d %r",
              run, ops, mirror.polls, time.time() - stopped, len(missing), missing[:5],
              len(extra), [(i, mine[i]) for i in extra[:5]], len(stale),
              [(i, mine[i], db[i]) for i in stale[:5]])
        eq(sorted(mirror.items), sorted(listed), "run %s: mirror ids vs the public list" % run)
        for i, x in listed.items():
            eq(mirror.items[i], x, "run %s: mirrored item %s vs the public list" % (run, x["slug"]))
        deleted = {i for w in ws for i in w.deleted}
        check(not (deleted & set(mirror.items)), "run %s: deleted items still mirrored", run)
        check(mirror.tombstones > 0, "run %s: the mirror never saw a tombstone", run)
        made = {i for w in ws for i in w.made}
        check(made & set(mirror.items), "run %s: none of the new items reached the mirror", run)
        return ops, mirror
    finally:
        stop.set()
        for t in ws + [m]:
            if t.is_alive():
                t.join(30)
        made = [i for w in ws for i in w.made]
        for k in range(0, len(made), 500):
            fc.hard_delete(api, "news", made[k:k + 500])


def test_mirror_equals_live_collection_after_concurrent_writes_run_1(api):
    _mirror_scenario(api, "a")


def test_mirror_equals_live_collection_after_concurrent_writes_run_2(api):
    _mirror_scenario(api, "b", limit=5)


def test_mirror_equals_live_collection_after_concurrent_writes_run_3(api):
    _mirror_scenario(api, "c", writers=3, limit=11)
