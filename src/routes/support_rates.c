/* support_rates.c: GET /v1/support-rates and /v1/support-rates/{id}. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iasc/routes.h"

enum {
  P_LIMIT,
  P_CURSOR,
  P_JURISDICTION,
  P_CATEGORY,
  P_ON,
  P_HISTORY,
  P_SINCE,
  P_DELETED,
  P_STATUS,
  P_INCLUDE
};

static const struct param_spec PARAMS[] = {
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    [P_JURISDICTION] = {"jurisdiction", PARAM_TOKEN, NULL},
    [P_CATEGORY] = {"category", PARAM_TOKEN, NULL},
    [P_ON] = {"on", PARAM_DATE, NULL},
    [P_HISTORY] = {"history", PARAM_BOOL, NULL},
    [P_SINCE] = {"updated_since", PARAM_TIMESTAMP, NULL},
    [P_DELETED] = {"include_deleted", PARAM_BOOL, NULL},
    [P_STATUS] = {"status", PARAM_ENUM, ROUTES_STATUSES},
    [P_INCLUDE] = {"include", PARAM_ENUM, ROUTES_INCLUDES},
    {NULL, PARAM_TEXT, NULL},
};

void support_rates_list(struct http_req *req, struct http_res *res) {
  const char *v[P_INCLUDE + 1];
  struct listing l = {.limit = 20};
  bool sync;
  if (!query_bind(req, res, PARAMS, v) ||
      !routes_sync_mode(req, res, PARAMS, v, P_SINCE, P_DELETED, STMT_SUPPORT_RATES_SYNC,
                        "support-rates:u", &l, &sync))
    return;
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  bool history = v[P_HISTORY] != NULL && strcmp(v[P_HISTORY], "true") == 0;
  if (history && v[P_ON] != NULL) {
    http_problem(req, res, IASC_INVALID_PARAMETER, "on",
                 "on picks the rates in force on one date; history=true lists every period. "
                 "Give one or the other.");
    return;
  }
  if (!sync) {
    if (!routes_visibility(req, res, "support-rates:write", v[P_STATUS], v[P_INCLUDE], &l))
      return;
    l.stmt = STMT_SUPPORT_RATES_LIST;
    l.kind = history ? "support-rates:h" : "support-rates:p";
    l.filter[FILTER_JURISDICTION] = v[P_JURISDICTION];
    l.filter[FILTER_CATEGORY] = v[P_CATEGORY];
    /* NULL on: the SQL takes today's Europe/London date. */
    l.filter[FILTER_ON] = v[P_ON];
    l.filter[FILTER_HISTORY] = history ? "true" : "false";
  }
  routes_page(req, res, &l, v[P_CURSOR]);
}

void support_rates_item(struct http_req *req, struct http_res *res) {
  routes_item(req, res, "support-rates:write", STMT_SUPPORT_RATES_GET);
}
