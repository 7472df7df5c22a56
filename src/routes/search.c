/* search.c: GET /v1/search, one ranked full-text search over news, publications and
 * resources. */
#include <string.h>

#include "iasc/buf.h"
#include "iasc/routes.h"

enum { P_Q, P_TYPES, P_LIMIT, P_CURSOR };

static const char *const TYPES[] = {"news", "publications", "resources", NULL};

static const struct param_spec PARAMS[] = {
    [P_Q] = {"q", PARAM_TEXT, NULL},
    [P_TYPES] = {"types", PARAM_ENUM_LIST, TYPES},
    [P_LIMIT] = {"limit", PARAM_LIMIT, NULL},
    [P_CURSOR] = {"cursor", PARAM_CURSOR, NULL},
    {NULL, PARAM_TEXT, NULL},
};

void search_list(struct http_req *req, struct http_res *res) {
  const char *v[P_CURSOR + 1];
  struct listing l = {.stmt = STMT_SEARCH, .kind = "search", .limit = 20};
  if (!query_bind(req, res, PARAMS, v))
    return;
  if (v[P_Q] == NULL) {
    http_problem(req, res, IASC_INVALID_PARAMETER, "q", "q, the text to search for, is required.");
    return;
  }
  if (v[P_LIMIT])
    query_valid_limit(v[P_LIMIT], &l.limit);
  /* types=news,resources → the PostgreSQL array literal {news,resources} (words validated). */
  struct buf types = {0};
  buf_puts(&types, "{");
  buf_puts(&types, v[P_TYPES] ? v[P_TYPES] : "news,publications,resources");
  buf_puts(&types, "}");
  if (types.failed) {
    buf_free(&types);
    routes_fail(req, res, IASC_INTERNAL);
    return;
  }
  l.filter[FILTER_Q] = v[P_Q];
  l.filter[FILTER_TYPES] = types.data;
  routes_page(req, res, &l, v[P_CURSOR]);
  buf_free(&types);
}
