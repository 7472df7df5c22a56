/* common.c: what every route shares to turn domain results into HTTP answers. */
#include <stdlib.h>
#include <string.h>

#include "iasc/bootstrap.h"
#include "iasc/buf.h"
#include "iasc/routes.h"

const char *const ROUTES_STATUSES[] = {"draft", "published", NULL};
const char *const ROUTES_INCLUDES[] = {"scheduled", NULL};

void routes_fail(const struct http_req *req, struct http_res *res, enum iasc_result r) {
  switch (r) {
  case IASC_NOT_FOUND:
    http_problem(req, res, r, NULL, "No such item.");
    break;
  case IASC_INVALID_CURSOR:
    http_problem(req, res, r, "cursor",
                 "The cursor was not issued by this server for this listing; start again "
                 "without it.");
    break;
  case IASC_UNAVAILABLE:
    http_problem(req, res, r, NULL, "The database is unavailable; try again shortly.");
    break;
  default:
    http_problem(req, res, r, NULL, "The request could not be completed.");
  }
}

bool routes_db_ready(const struct http_req *req, struct http_res *res) {
  if (bootstrap_ensure())
    return true;
  routes_fail(req, res, IASC_UNAVAILABLE);
  return false;
}

/* Appends base, path and the query (in the order given, re-encoded) without cursor; returns
 * the separator for a further parameter. */
static char put_url(struct buf *b, const struct http_req *req) {
  buf_puts(b, req->base_url);
  buf_puts(b, req->path);
  char sep = '?';
  for (size_t i = 0; i < req->nquery; i++) {
    if (strcmp(req->query[i].name, "cursor") == 0)
      continue;
    buf_append(b, &sep, 1);
    sep = '&';
    buf_url_encode(b, req->query[i].name);
    buf_puts(b, "=");
    buf_url_encode(b, req->query[i].value);
  }
  return sep;
}

char *routes_self_url(const struct http_req *req) {
  struct buf b = {0};
  put_url(&b, req);
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}

/* The URL of the next page: this request's path and query with cursor replaced. */
static char *next_link(const struct http_req *req, const char *cursor) {
  struct buf b = {0};
  buf_puts(&b, "<");
  char sep = put_url(&b, req);
  buf_append(&b, &sep, 1);
  buf_puts(&b, "cursor=");
  buf_url_encode(&b, cursor);
  buf_puts(&b, ">; rel=\"next\"");
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}

void routes_page(struct http_req *req, struct http_res *res, struct listing *l,
                 const char *cursor) {
  struct buf body = {0};
  char *next = NULL;
  if (!routes_db_ready(req, res))
    return;
  enum iasc_result r = content_list(l, req->base_url, cursor, &body, &next);
  if (r != IASC_OK) {
    buf_free(&body);
    routes_fail(req, res, r);
    return;
  }
  size_t len = body.len;
  http_res_json(res, 200, buf_steal(&body), len);
  if (next != NULL) {
    char *link = next_link(req, next);
    if (link != NULL)
      http_res_header(res, "Link", link);
    free(link);
    free(next);
  }
}

void routes_item(struct http_req *req, struct http_res *res, const char *scope, enum stmt_id stmt) {
  static const struct param_spec none[] = {{NULL, PARAM_TEXT, NULL}};
  const char *vals[1];
  struct item it;
  if (!query_bind(req, res, none, vals) || !routes_db_ready(req, res))
    return;
  enum iasc_result r = content_get(stmt, req->base_url, req->route_params[0],
                                   req->authenticated && auth_has_scope(&req->who, scope), &it);
  if (r != IASC_OK) {
    routes_fail(req, res, r);
    return;
  }
  http_res_json(res, 200, it.json, strlen(it.json));
  http_res_header(res, "ETag", it.etag);
  res->last_modified = it.updated;
}

bool routes_visibility(const struct http_req *req, struct http_res *res, const char *scope,
                       const char *status, const char *include, struct listing *l) {
  if ((status != NULL || include != NULL) && !req->authenticated) {
    http_problem(req, res, IASC_UNAUTHORIZED, status ? "status" : "include",
                 "%s needs a bearer token.", status ? "status" : "include");
    http_res_header(res, "WWW-Authenticate", "Bearer realm=\"iasc-api\"");
    return false;
  }
  if ((status != NULL || include != NULL) && !auth_has_scope(&req->who, scope)) {
    char value[160];
    snprintf(value, sizeof value,
             "Bearer realm=\"iasc-api\", error=\"insufficient_scope\", scope=\"%s\"", scope);
    http_problem(req, res, IASC_FORBIDDEN, status ? "status" : "include",
                 "%s needs a token with the scope %s.", status ? "status" : "include", scope);
    http_res_header(res, "WWW-Authenticate", value);
    return false;
  }
  l->filter[FILTER_STATUS] = status;
  l->filter[FILTER_SCHEDULED] = include != NULL ? "true" : NULL;
  return true;
}

bool routes_sync_mode(const struct http_req *req, struct http_res *res,
                      const struct param_spec *specs, const char **vals, size_t i_since,
                      size_t i_deleted, enum stmt_id stmt, const char *kind, struct listing *l,
                      bool *sync) {
  *sync = vals[i_since] != NULL;
  if (!*sync) {
    if (vals[i_deleted] != NULL) {
      http_problem(req, res, IASC_INVALID_PARAMETER, "include_deleted",
                   "include_deleted applies only together with updated_since.");
      return false;
    }
    return true;
  }
  for (size_t i = 0; specs[i].name; i++) {
    if (vals[i] == NULL || i == i_since || i == i_deleted || strcmp(specs[i].name, "limit") == 0 ||
        strcmp(specs[i].name, "cursor") == 0)
      continue;
    http_problem(req, res, IASC_INVALID_PARAMETER, specs[i].name,
                 "%s cannot be combined with updated_since: the sync stream carries every "
                 "item of the collection.",
                 specs[i].name);
    return false;
  }
  l->stmt = stmt;
  l->kind = kind;
  l->filter[FILTER_SINCE] = vals[i_since];
  l->filter[FILTER_DELETED] =
      vals[i_deleted] != NULL && strcmp(vals[i_deleted], "true") == 0 ? "true" : "false";
  return true;
}
