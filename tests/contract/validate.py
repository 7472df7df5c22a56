#!/usr/bin/env python3
"""Checks recorded HTTP exchanges against openapi.yaml.

    tests/contract/validate.py [--spec openapi.yaml] RECORDING.jsonl...

A recording is what the API and resilience suites write when IASC_CONTRACT_RECORD names a
file (tests/api/apilib.py, record_exchange): one JSON object per line, with the request's
method and target and the response's status, headers and body. For each response this finds
the operation (path template, then method; HEAD is checked as GET without a body) and checks:

- the status is one the operation declares (exactly, or by a declared range such as `4XX`,
  or `default`);
- the Content-Type is one declared for that status (a declared media type with parameters
  must match exactly, one without by type/subtype), and a response declared without content
  has no body and no Content-Type;
- the body (gzip undone) validates against the declared schema, with Debian's
  python3-jsonschema (Draft202012Validator, `$ref`s resolved in openapi.yaml, formats
  checked: date, date-time, uuid, uri, uri-reference, ...);
- every header the response object declares `required: true` is present, and every declared
  header present validates against its schema (an integer schema reads the value as a
  number);
- problem+json bodies repeat the status and the X-Request-Id they came with (the `status` and
  `request_id` members say so in the contract).

Rules for what the document describes in prose rather than per operation (its info
section, "HEAD and OPTIONS" and "Errors"), derived from the document itself:

- OPTIONS on a declared path: 204, no body, `Allow` listing exactly the path's methods (with
  HEAD when it has GET, and OPTIONS), and the headers every response carries.
- A method the path does not declare: 405 (components/responses/MethodNotAllowed), with
  `Allow` as above. A path no template matches: 404 (components/responses/NotFound).
  Either may instead be refused by a check that runs before routing (400, 406, 413 and 421:
  components/responses BadRequest, NotAcceptable, PayloadTooLarge, Misdirected).

One narrow rule skips a response instead of checking it: an answer libmicrohttpd makes
itself, before the server sees the request (a request line or header block over its 32 KiB
per-connection memory, a malformed request): status 400, 413, 414, 431 or 505, with no
X-Request-Id (the server's one response path puts it on every answer it makes) and no
Content-Type. The count of those is printed; anything else is checked.

Server defects already reported are listed in known_defects.py beside this file: a response
whose every violation one of them explains is printed as KNOWN and counted apart; an entry
whose test ran without its violation fails (the defect is gone: remove the entry).

Prints each violation (the test that made the request, the request, the status, a JSON
pointer into the body or the header concerned, and the message), then the last line
`N passed, N failed`: N passed counts responses that conform, N failed those that do not
(and stale known-defect entries). Exits 1 on any failure, 2 when the input cannot be read.
"""

import argparse
import base64
import datetime
import gzip
import json
import os
import re
import sys
import urllib.parse
import zlib

import yaml
from jsonschema import Draft202012Validator, FormatChecker, RefResolver

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Statuses libmicrohttpd answers by itself (MHD 0.9.75: malformed request 400, upload
# data too large 413, URI too long 414, header block too large 431, HTTP version 505).
MHD_OWN_STATUSES = (400, 413, 414, 431, 505)

# Refusals decided before routing (the document's "Checks run in this order"), as
# components/responses names: they may answer any request, to a declared path or not.
PRE_ROUTING = {"400": "BadRequest", "406": "NotAcceptable", "413": "PayloadTooLarge",
               "421": "Misdirected", "429": "TooManyRequests"}

# Headers on every response the server makes (the document's "Headers on every response").
EVERY_RESPONSE_HEADERS = ("X-Request-Id", "Cache-Control", "X-Content-Type-Options",
                          "Referrer-Policy", "Content-Security-Policy")

RFC3339_DATE_TIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                               r"(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
RFC3339_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _format_checker():
    """jsonschema's format checker, with date and date-time held to RFC 3339: Debian 12 has
    no rfc3339-validator (so jsonschema would not check date-time at all), and Python 3.11's
    date.fromisoformat also takes ISO 8601 forms RFC 3339 does not (20201008, 2020-W41)."""
    fc = FormatChecker()

    @fc.checks("date", raises=ValueError)
    def _date(value):
        if not isinstance(value, str):
            return True
        return bool(RFC3339_DATE.match(value)) and bool(datetime.date.fromisoformat(value))

    @fc.checks("date-time", raises=ValueError)
    def _date_time(value):
        if not isinstance(value, str):
            return True
        m = RFC3339_DATE_TIME.match(value)
        if not m:
            return False
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        datetime.datetime(y, mo, d, h, mi, min(s, 59))  # leap second 60 allowed by RFC 3339
        return s <= 60
    return fc


class Violation:
    def __init__(self, where, message):
        self.where = where  # a JSON pointer into the body ("/data/0"), "header X", or ""
        self.message = message

    def __str__(self):
        return "%s: %s" % (self.where, self.message) if self.where else self.message


def _pointer(path):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _schema_errors(validator, instance):
    """Violations of instance against validator's schema. For oneOf/anyOf, the errors of
    the branch that came closest (fewest errors) are given instead of the bare "is not
    valid under any of the given schemas"."""
    out = []
    for err in validator.iter_errors(instance):
        out.extend(_explain(err))
    return out


def _explain(err):
    if err.validator in ("oneOf", "anyOf") and err.context:
        branches = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        closest = min(branches.values(), key=len)
        out = []
        for sub in closest:
            out.extend(_explain(sub))
        note = " (closest of the %s branches)" % err.validator
        return [Violation(v.where, v.message + note if "closest" not in v.message else v.message)
                for v in out]
    return [Violation(_pointer(err.absolute_path), err.message)]


def _essence(media_type):
    return media_type.split(";", 1)[0].strip().lower()


def _normalise_media_type(media_type):
    parts = [p.strip() for p in media_type.split(";")]
    return "; ".join([parts[0].lower()] + [p.lower().replace(" ", "") for p in parts[1:] if p])


class Headers:
    """Response headers, case-insensitive; a repeated name reads as its values joined."""

    def __init__(self, pairs):
        self.map = {}
        for k, v in pairs:
            lk = k.lower()
            self.map[lk] = self.map[lk] + ", " + v if lk in self.map else v

    def get(self, name):
        return self.map.get(name.lower())

    def __contains__(self, name):
        return name.lower() in self.map


class Contract:
    def __init__(self, spec_path):
        with open(spec_path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = RefResolver(base_uri="", referrer=self.doc)
        self.formats = _format_checker()
        self.validators = {}
        self.templates = []
        for template, item in (self.doc.get("paths") or {}).items():
            segments = template.split("/")
            params = sum(1 for seg in segments if re.fullmatch(r"\{[^}]+\}", seg))
            self.templates.append((params, template, segments, item))
        self.templates.sort(key=lambda t: t[0])  # literal paths before templated ones

    # ---------------------------------------------------------------- the document

    def deref(self, obj):
        """Follows a local $ref (components of the document) to the object it names."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("only local $refs are supported: %r" % ref)
            obj = self.doc
            for part in ref[2:].split("/"):
                obj = obj[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 32:
                raise ValueError("$ref loop at %r" % ref)
        return obj

    def validator(self, schema):
        """A validator for schema (a part of the document, or a dict the caller keeps)."""
        entry = self.validators.get(id(schema))
        if entry is None:
            v = Draft202012Validator(schema, resolver=self.resolver, format_checker=self.formats)
            entry = self.validators[id(schema)] = (v, schema)  # schema kept: its id() stays unique
        return entry[0]

    def match(self, path):
        """(template, path item) for a request path, or (None, None). The path is compared
        segment by segment, each percent-decoded (so `/v1/%70ublications` is
        `/v1/publications`, and `%2F` stays inside its segment); a `{param}` takes any
        non-empty segment."""
        segments = [urllib.parse.unquote(seg, errors="surrogateescape") for seg in path.split("/")]
        for _, template, tsegs, item in self.templates:
            if len(tsegs) == len(segments) and all(
                    got != "" if re.fullmatch(r"\{[^}]+\}", want) else got == want
                    for want, got in zip(tsegs, segments)):
                return template, item
        return None, None

    def path_methods(self, item):
        """The methods a path answers, as Allow lists them: its operations, HEAD with GET,
        and OPTIONS."""
        methods = [m.upper() for m in METHODS if m in item and m not in ("head", "options")]
        if "GET" in methods:
            methods.append("HEAD")
        return set(methods) | {"OPTIONS"}

    def component_response(self, name):
        return self.doc["components"]["responses"][name]

    def options_response(self):
        """The answer to OPTIONS the document describes in prose: 204, no content, `Allow`
        and `Cache-Control: no-store` (or `private, no-store`, when a valid token was sent),
        and the headers every response carries."""
        headers = self.doc["components"]["headers"]
        hdrs = {name: headers[name] for name in EVERY_RESPONSE_HEADERS if name in headers}
        hdrs["Cache-Control"] = headers["Cache-Control-No-Store"]
        hdrs["Allow"] = dict(self.deref(headers["Allow"]), required=True)
        return {"description": "OPTIONS (see the info section, HEAD and OPTIONS)", "headers": hdrs}

    # ---------------------------------------------------------------- one exchange

    def responses_for(self, method, path):
        """(name of what answers, {status: response object}, allowed methods or None)."""
        template, item = self.match(path)
        if item is None:
            rs = {"404": {"$ref": "#/components/responses/NotFound"}}
            rs.update({s: {"$ref": "#/components/responses/" + n} for s, n in PRE_ROUTING.items()})
            return "an unknown path (404)", rs, None
        allowed = self.path_methods(item)
        if method == "OPTIONS":
            rs = {"204": self.options_response()}
            rs.update({s: {"$ref": "#/components/responses/" + n} for s, n in PRE_ROUTING.items()})
            return "OPTIONS %s" % template, rs, allowed
        op = item.get("get" if method == "HEAD" else method.lower())
        if op is None or method.lower() not in METHODS:
            rs = {"405": {"$ref": "#/components/responses/MethodNotAllowed"}}
            rs.update({s: {"$ref": "#/components/responses/" + n} for s, n in PRE_ROUTING.items()})
            return "%s %s (not declared: 405)" % (method, template), rs, allowed
        return op.get("operationId", "%s %s" % (method, template)), op.get("responses") or {}, allowed

    def check(self, rec):
        """Returns ("skipped", reason) for a response the narrow libmicrohttpd rule skips,
        else ("checked", [Violation...])."""
        method = rec["method"].upper()
        target = rec["target"]
        status = int(rec["status"])
        headers = Headers(rec["headers"])
        raw = base64.b64decode(rec.get("body_b64") or "")
        ctype = headers.get("content-type")

        if (status in MHD_OWN_STATUSES and "x-request-id" not in headers and ctype is None):
            return "skipped", "libmicrohttpd's own %d" % status

        out = []
        path = target.split("?", 1)[0]
        what, responses, allowed = self.responses_for(method, path)
        response = responses.get(str(status)) or responses.get("%dXX" % (status // 100)) \
            or responses.get("default")
        if response is None:
            return "checked", [Violation("", "status %d is not declared for %s (declared: %s)"
                                         % (status, what, ", ".join(sorted(responses))))]
        response = self.deref(response)
        if not rec.get("complete", True):
            out.append(Violation("", "the body ended before its Content-Length"))

        out.extend(self._check_headers(response, headers))
        if allowed is not None and (status == 405 or method == "OPTIONS" and status == 204):
            got = headers.get("allow")
            if got is not None:
                listed = {m.strip().upper() for m in got.split(",") if m.strip()}
                if listed != allowed:
                    out.append(Violation("header Allow", "%r does not list exactly the path's methods %s"
                                         % (got, ", ".join(sorted(allowed)))))
        body, problems = self._decode(raw, headers)
        out.extend(problems)
        if body is not None:
            out.extend(self._check_content(method, status, response, headers, body))
        return "checked", out

    def _check_headers(self, response, headers):
        out = []
        for name, h in (response.get("headers") or {}).items():
            if name.lower() == "content-type":
                continue  # OpenAPI: a Content-Type header definition is ignored
            h = self.deref(h)
            value = headers.get(name)
            if value is None:
                if h.get("required"):
                    out.append(Violation("header " + name, "required, but absent"))
                continue
            schema = h.get("schema")
            if schema is None:
                continue
            resolved = self.deref(schema)
            instance = value
            if resolved.get("type") in ("integer", "number") and re.fullmatch(r"-?[0-9]+", value.strip()):
                instance = int(value.strip())
            for v in _schema_errors(self.validator(schema), instance):
                out.append(Violation("header " + name, v.message))
        return out

    def _decode(self, raw, headers):
        """(body bytes with the content coding undone, or None; [Violation])."""
        coding = (headers.get("content-encoding") or "").strip().lower()
        if not coding or coding == "identity":
            return raw, []
        if coding == "gzip":
            try:
                return gzip.decompress(raw), []
            except (OSError, EOFError, zlib.error) as e:
                return None, [Violation("header Content-Encoding", "gzip body does not decode: %s" % e)]
        return None, [Violation("header Content-Encoding", "unexpected coding %r" % coding)]

    def _check_content(self, method, status, response, headers, body):
        content = response.get("content")
        ctype = headers.get("content-type")
        if not content:
            out = []
            if body:
                out.append(Violation("", "a body (%d bytes) where the response declares none" % len(body)))
            if ctype is not None and method != "HEAD":
                out.append(Violation("header Content-Type", "%r where the response declares no content" % ctype))
            return out
        if ctype is None:
            if method == "HEAD" and not body:
                return []
            return [Violation("header Content-Type", "absent; declared: %s" % ", ".join(content))]
        media = None
        for declared in content:
            if ";" in declared:
                if _normalise_media_type(declared) == _normalise_media_type(ctype):
                    media = declared
                    break
            elif _essence(declared) == _essence(ctype):
                media = declared
                break
        if media is None:
            return [Violation("header Content-Type", "%r is not declared for status %d (declared: %s)"
                              % (ctype, status, ", ".join(content)))]
        if method == "HEAD":
            return [Violation("", "HEAD answered with a body of %d bytes" % len(body))] if body else []
        schema = (content[media] or {}).get("schema")
        essence = _essence(media)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            return [Violation("", "the body is not UTF-8: %s" % e)]
        if essence.endswith("/json") or essence.endswith("+json"):
            try:
                instance = json.loads(text)
            except ValueError as e:
                return [Violation("", "the body is not JSON: %s" % e)]
        else:
            instance = text
        out = [] if schema is None else _schema_errors(self.validator(schema), instance)
        if essence == "application/problem+json" and isinstance(instance, dict):
            if instance.get("status") != status:
                out.append(Violation("/status", "%r, but the response status is %d"
                                     % (instance.get("status"), status)))
            rid = headers.get("x-request-id")
            if rid is not None and instance.get("request_id") != rid:
                out.append(Violation("/request_id", "%r, but X-Request-Id is %r"
                                     % (instance.get("request_id"), rid)))
        return out


def read_records(paths):
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    yield "%s:%d" % (os.path.basename(p), n), json.loads(line)


def describe(rec):
    target = rec["target"]
    if len(target) > 160:
        target = "%s...(%d bytes)" % (target[:120], len(target))
    ctype = Headers(rec["headers"]).get("content-type")
    return "%s %s -> %s%s" % (rec["method"], target, rec["status"], " " + ctype if ctype else "")


def _known_match(entry, rec, violation):
    return (entry.get("test") == rec.get("test")
            and entry.get("method", rec["method"]) == rec["method"].upper()
            and re.search(entry.get("path", ""), rec["target"].split("?", 1)[0]) is not None
            and entry.get("status", rec["status"]) == int(rec["status"])
            and re.search(entry["violation"], str(violation)) is not None)


class Verdict:
    """What judge() found: counts, and the lines to print."""

    def __init__(self):
        self.passed = 0     # responses that conform
        self.failed = 0     # responses with a violation no known defect explains, + stale entries
        self.known = 0      # responses whose every violation is a known defect
        self.known_by_id = {}  # known defect id -> responses
        self.skipped = {}   # reason -> count (the libmicrohttpd rule)
        self.lines = []


def judge(contract, records, known_defects=(), max_reports=200):
    """Checks (where, record) pairs; returns a Verdict. known_defects: entries as in
    known_defects.py; one whose test was recorded without its violation appearing counts as
    a failure (the defect is fixed: remove the entry)."""
    verdict = Verdict()
    tests_seen = set()
    defects_seen = set()
    shown = 0
    for where, rec in records:
        tests_seen.add(rec.get("test"))
        kind, result = contract.check(rec)
        if kind == "skipped":
            verdict.skipped[result] = verdict.skipped.get(result, 0) + 1
            continue
        unexplained = []
        explained = []
        for v in result:
            hit = next((e for e in known_defects if _known_match(e, rec, v)), None)
            if hit is None:
                unexplained.append(v)
            else:
                explained.append((v, hit))
                defects_seen.add(hit["id"])
        if not result:
            verdict.passed += 1
            continue
        label = "%s (%s, %s)" % (describe(rec), rec.get("test") or "?", where)
        if not unexplained:
            verdict.known += 1
            first = explained[0][1]["id"]
            verdict.known_by_id[first] = verdict.known_by_id.get(first, 0) + 1
            verdict.lines.append("KNOWN %s: %s" % (explained[0][1]["id"], label))
            continue
        verdict.failed += 1
        shown += 1
        if shown <= max_reports:
            verdict.lines.append("FAIL %s" % label)
            verdict.lines.extend("    %s" % v for v in unexplained)
    if shown > max_reports:
        verdict.lines.append("(%d more failing responses not shown)" % (shown - max_reports))
    for e in known_defects:
        if e.get("test") in tests_seen and e["id"] not in defects_seen:
            verdict.failed += 1
            verdict.lines.append("FAIL known defect %s no longer appears in %s: remove it from "
                                 "tests/contract/known_defects.py" % (e["id"], e["test"]))
    for reason, n in sorted(verdict.skipped.items()):
        verdict.lines.append("skipped %d: %s (no X-Request-Id, no Content-Type)" % (n, reason))
    return verdict


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", default=os.path.join(REPO, "openapi.yaml"))
    ap.add_argument("--max-reports", type=int, default=200,
                    help="print at most this many failing responses in full (default 200)")
    ap.add_argument("--no-known-defects", action="store_true",
                    help="ignore tests/contract/known_defects.py: every violation fails")
    ap.add_argument("recordings", nargs="+")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    from known_defects import KNOWN_DEFECTS  # noqa: E402 - beside this file
    try:
        contract = Contract(args.spec)
        records = list(read_records(args.recordings))
    except (OSError, ValueError, yaml.YAMLError) as e:
        print("cannot read the input: %s" % e)
        print("0 passed, 1 failed")
        return 2
    verdict = judge(contract, records, () if args.no_known_defects else KNOWN_DEFECTS,
                    args.max_reports)
    for line in verdict.lines:
        print(line)
    if verdict.known:
        print("known defects (tests/contract/known_defects.py): %d responses: %s" % (verdict.known, ", ".join(
            "%s (%d)" % (k, n) for k, n in sorted(verdict.known_by_id.items()))))
    if not records:
        print("no recorded response: nothing was checked")
        verdict.failed += 1
    print("%d passed, %d failed" % (verdict.passed, verdict.failed))
    return 1 if verdict.failed else 0


if __name__ == "__main__":
    sys.exit(main())
