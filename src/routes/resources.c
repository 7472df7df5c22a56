/* resources.c: GET /v1/resources and /v1/resources/{slug}. */
#include "iasc/routes.h"

enum {
  P_LIMIT,
  P_CURSOR,
  P_COLLECTION,
  P_TYPE,
  P_TAG,
  P_Q,
  P_SINCE,
  P_DELETED,
  P_STATUS,
  P_INCLUDE
};

static const struct param_spec PARAMS[] = {
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    [P_COLLECTION] = {"collection", PARAM_TOKEN, NULL},
    [P_TYPE] = {"type", PARAM_TOKEN, NULL},
    [P_TAG] = {"tag", PARAM_TOKEN, NULL},
    [P_Q] = {"q", PARAM_TEXT, NULL},
    [P_SINCE] = {"updated_since", PARAM_TIMESTAMP, NULL},
    [P_DELETED] = {"include_deleted", PARAM_BOOL, NULL},
    [P_STATUS] = {"status", PARAM_ENUM, ROUTES_STATUSES},
    [P_INCLUDE] = {"include", PARAM_ENUM, ROUTES_INCLUDES},
    {NULL, PARAM_TEXT, NULL},
};

void resources_list(struct http_req *req, struct http_res *res) {
  const char *v[P_INCLUDE + 1];
  struct listing l = {.limit = 20};
  bool sync;
  if (!query_bind(req, res, PARAMS, v) ||
      !routes_sync_mode(req, res, PARAMS, v, P_SINCE, P_DELETED, STMT_RESOURCES_SYNC, "resources:u",
                        &l, &sync))
    return;
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  if (!sync && v[P_Q]) {
    if (!routes_visibility(req, res, "resources:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_RESOURCES_LIST_RANKED;
    l.kind = "resources:r";
    l.filter[FILTER_Q] = v[P_Q];
    l.filter[FILTER_COLLECTION] = v[P_COLLECTION];
    l.filter[FILTER_TYPE] = v[P_TYPE];
    l.filter[FILTER_TAG] = v[P_TAG];
  } else if (!sync) {
    if (!routes_visibility(req, res, "resources:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_RESOURCES_LIST;
    l.kind = "resources:p";
    l.filter[FILTER_COLLECTION] = v[P_COLLECTION];
    l.filter[FILTER_TYPE] = v[P_TYPE];
    l.filter[FILTER_TAG] = v[P_TAG];
  }
  routes_page(req, res, &l, v[P_CURSOR]);
}

void resources_item(struct http_req *req, struct http_res *res) {
  routes_item(req, res, "resources:write", STMT_RESOURCES_GET);
}
