/* audit.c: GET /v1/audit, the write history, newest first (scope admin). */
#include "iasc/routes.h"

enum { P_LIMIT, P_CURSOR, P_TYPE, P_ITEM };

static const char *const TYPES[] = {"news",          "publications", "helplines",
                                    "support-rates", "resources",    NULL};

static const struct param_spec PARAMS[] = {
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    [P_TYPE] = {"type", PARAM_ENUM, TYPES},
    [P_ITEM] = {"item", PARAM_TOKEN, NULL},
    {NULL, PARAM_TEXT, NULL},
};

void audit_list(struct http_req *req, struct http_res *res) {
  const char *v[P_ITEM + 1];
  struct listing l = {.stmt = STMT_AUDIT_LIST, .kind = "audit", .limit = 20};
  if (!query_bind(req, res, PARAMS, v))
    return;
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  l.filter[FILTER_TYPE] = v[P_TYPE];
  l.filter[FILTER_ITEM] = v[P_ITEM];
  routes_page(req, res, &l, v[P_CURSOR]);
}
