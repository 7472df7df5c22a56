/* news.c: GET /v1/news and /v1/news/{slug}. */
#include <string.h>

#include "iasc/routes.h"

enum { P_LIMIT, P_CURSOR, P_TAG, P_FROM, P_TO, P_Q, P_SINCE, P_DELETED, P_STATUS, P_INCLUDE };

static const struct param_spec PARAMS[] = {
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    [P_TAG] = {"tag", PARAM_TOKEN, NULL},
    [P_FROM] = {"from", PARAM_DATE, NULL},
    [P_TO] = {"to", PARAM_DATE, NULL},
    [P_Q] = {"q", PARAM_TEXT, NULL},
    [P_SINCE] = {"updated_since", PARAM_TIMESTAMP, NULL},
    [P_DELETED] = {"include_deleted", PARAM_BOOL, NULL},
    [P_STATUS] = {"status", PARAM_ENUM, ROUTES_STATUSES},
    [P_INCLUDE] = {"include", PARAM_ENUM, ROUTES_INCLUDES},
    {NULL, PARAM_TEXT, NULL},
};

void news_list(struct http_req *req, struct http_res *res) {
  const char *v[P_INCLUDE + 1];
  struct listing l = {.limit = 20};
  bool sync;
  if (!query_bind(req, res, PARAMS, v) || !routes_sync_mode(req, res, PARAMS, v, P_SINCE, P_DELETED,
                                                            STMT_NEWS_SYNC, "news:u", &l, &sync))
    return;
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  if (v[P_FROM] && v[P_TO] && strcmp(v[P_FROM], v[P_TO]) > 0) {
    http_problem(req, res, IASC_INVALID_PARAMETER, "from", "from must not be after to.");
    return;
  }
  if (!sync && v[P_Q]) {
    if (!routes_visibility(req, res, "news:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_NEWS_LIST_RANKED;
    l.kind = "news:r";
    l.filter[FILTER_Q] = v[P_Q];
    l.filter[FILTER_TAG] = v[P_TAG];
    l.filter[FILTER_FROM] = v[P_FROM];
    l.filter[FILTER_TO] = v[P_TO];
  } else if (!sync) {
    if (!routes_visibility(req, res, "news:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_NEWS_LIST;
    l.kind = "news:p";
    l.filter[FILTER_TAG] = v[P_TAG];
    l.filter[FILTER_FROM] = v[P_FROM];
    l.filter[FILTER_TO] = v[P_TO];
  }
  routes_page(req, res, &l, v[P_CURSOR]);
}

void news_item(struct http_req *req, struct http_res *res) {
  routes_item(req, res, "news:write", STMT_NEWS_GET);
}
