/* contract.c: GET /openapi.yaml and /openapi.json: the contract the server was built with;
 * GET /docs: its human reading, a page that needs nothing but this origin. */
#include <stdlib.h>
#include <string.h>

#include "iasc/contract.h"
#include "iasc/routes.h"

static const struct param_spec NO_PARAMS[] = {{NULL, PARAM_TEXT, NULL}};

/* Answers a copy of doc, of media type type: true; false with a problem in res (a query
 * parameter: 400; no memory: 500). */
static bool answer(struct http_req *req, struct http_res *res, const unsigned char *doc, size_t len,
                   const char *type) {
  const char *vals[1];
  if (!query_bind(req, res, NO_PARAMS, vals))
    return false;
  char *body = malloc(len);
  if (body == NULL) {
    routes_fail(req, res, IASC_INTERNAL);
    return false;
  }
  memcpy(body, doc, len);
  http_res_json(res, 200, body, len);
  res->content_type = type;
  return true;
}

void contract_yaml(struct http_req *req, struct http_res *res) {
  answer(req, res, CONTRACT_YAML, CONTRACT_YAML_LEN, "application/yaml; charset=utf-8");
}

void contract_json(struct http_req *req, struct http_res *res) {
  answer(req, res, CONTRACT_JSON, CONTRACT_JSON_LEN, "application/json");
}

void contract_docs(struct http_req *req, struct http_res *res) {
  if (answer(req, res, DOCS_HTML, DOCS_HTML_LEN, "text/html; charset=utf-8"))
    res->csp = DOCS_CSP;
}
