/* helplines.c: GET /v1/helplines and /v1/helplines/{slug}. */
#include "iasc/routes.h"

enum { P_LIMIT, P_CURSOR, P_JURISDICTION, P_URGENCY, P_SINCE, P_DELETED, P_STATUS, P_INCLUDE };

static const char *const URGENCIES[] = {"emergency", "non-emergency", "anonymous", "advice", NULL};

static const struct param_spec PARAMS[] = {
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    [P_JURISDICTION] = {"jurisdiction", PARAM_TOKEN, NULL},
    [P_URGENCY] = {"urgency", PARAM_ENUM, URGENCIES},
    [P_SINCE] = {"updated_since", PARAM_TIMESTAMP, NULL},
    [P_DELETED] = {"include_deleted", PARAM_BOOL, NULL},
    [P_STATUS] = {"status", PARAM_ENUM, ROUTES_STATUSES},
    [P_INCLUDE] = {"include", PARAM_ENUM, ROUTES_INCLUDES},
    {NULL, PARAM_TEXT, NULL},
};

void helplines_list(struct http_req *req, struct http_res *res) {
  const char *v[P_INCLUDE + 1];
  struct listing l = {.limit = 20};
  bool sync;
  if (!query_bind(req, res, PARAMS, v) ||
      !routes_sync_mode(req, res, PARAMS, v, P_SINCE, P_DELETED, STMT_HELPLINES_SYNC, "helplines:u",
                        &l, &sync))
    return;
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  if (!sync) {
    if (!routes_visibility(req, res, "helplines:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_HELPLINES_LIST;
    l.kind = "helplines:p";
    l.filter[FILTER_JURISDICTION] = v[P_JURISDICTION];
    l.filter[FILTER_URGENCY] = v[P_URGENCY];
  }
  routes_page(req, res, &l, v[P_CURSOR]);
}

void helplines_item(struct http_req *req, struct http_res *res) {
  routes_item(req, res, "helplines:write", STMT_HELPLINES_GET);
}
