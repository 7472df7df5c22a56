"""The contract served: /openapi.yaml byte for byte the project's file, /openapi.json the
same document, both cached like any public answer (ETag, 304, gzip), HEAD, OPTIONS, 405."""

import json
import os

import yaml

from apilib import check, eq, problem

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _file():
    with open(os.path.join(REPO, "openapi.yaml"), "rb") as f:
        return f.read()


def test_openapi_yaml_is_the_projects_file_byte_for_byte(api):
    r = api.get("/openapi.yaml")
    eq(r.status, 200, "GET /openapi.yaml")
    check(r.headers.get("content-type", "").startswith("application/yaml"), "Content-Type %r",
          r.headers.get("content-type"))
    eq(r.body, _file(), "the served contract against openapi.yaml")
    check(r.headers.get("etag"), "no ETag on /openapi.yaml")
    check((r.headers.get("cache-control") or "").startswith("public"), "Cache-Control %r",
          r.headers.get("cache-control"))
    r2 = api.get("/openapi.yaml", headers={"If-None-Match": r.headers["etag"]})
    eq(r2.status, 304, "If-None-Match with the contract's ETag")


def test_openapi_json_is_the_same_document(api):
    r = api.get("/openapi.json")
    eq(r.status, 200, "GET /openapi.json")
    served = json.loads(r.body.decode("utf-8"))
    want = json.loads(json.dumps(yaml.safe_load(_file().decode("utf-8")), default=str))
    check(served == want, "/openapi.json differs from openapi.yaml")
    gz = api.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    eq(gz.headers.get("content-encoding"), "gzip", "gzip of /openapi.json")


def test_contract_paths_take_head_options_and_refuse_the_rest(api):
    r = api.get("/openapi.yaml", method="HEAD")
    eq(r.status, 200, "HEAD /openapi.yaml")
    eq(r.body, b"", "HEAD body")
    r = api.get("/openapi.json", method="OPTIONS")
    eq(r.status, 204, "OPTIONS /openapi.json")
    check("GET" in (r.headers.get("allow") or ""), "Allow %r", r.headers.get("allow"))
    r = api.send("POST", "/openapi.yaml", raw_body=b"{}")
    problem(r, 405, "POST /openapi.yaml", ptype="method-not-allowed")
    problem(api.get("/openapi.yaml?x=1"), 400, "a query parameter", field="x")
