/* health.c: liveness (the process answers) and readiness (the database answers). */
#include <stdlib.h>
#include <string.h>

#include "iasc/db.h"
#include "iasc/routes.h"

static const struct param_spec NO_PARAMS[] = {{NULL, PARAM_TEXT, NULL}};

void health_live(struct http_req *req, struct http_res *res) {
  const char *vals[1];
  if (!query_bind(req, res, NO_PARAMS, vals))
    return;
  char *body = strdup("{\"status\":\"ok\"}");
  http_res_json(res, 200, body, body ? strlen(body) : 0);
  res->cache_control = "no-store";
}

void health_ready(struct http_req *req, struct http_res *res) {
  const char *vals[1];
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  if (!db_ready()) {
    routes_fail(req, res, IASC_UNAVAILABLE);
    return;
  }
  char *body = strdup("{\"status\":\"ready\"}");
  http_res_json(res, 200, body, body ? strlen(body) : 0);
  res->cache_control = "no-store";
}
