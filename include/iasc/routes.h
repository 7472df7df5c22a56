/* routes.h: the route handlers (one file per resource under src/routes/) and the helpers
 * they share to map domain results to HTTP. */
#ifndef IASC_ROUTES_H
#define IASC_ROUTES_H

#include "iasc/content.h"
#include "iasc/handler.h"
#include "iasc/query.h"

typedef void (*route_handler)(struct http_req *req, struct http_res *res);

/* One route: the http layer's router (src/http/router.c) matches requests against ROUTES. */
struct route {
  const char *method;  /* GET, POST, PUT, PATCH, DELETE */
  const char *pattern; /* "/v1/news/{slug}": a {name} segment captures one non-empty segment */
  route_handler handler;
  const char *scope; /* token scope required, NULL for public */
  const void *data;  /* handed to the handler as req->route_data */
  /* The media types a request body may have (NULL-terminated), checked from the headers
   * before the body is read (415); NULL: the route reads no body (one sent is discarded). */
  const char *const *accepts;
  bool needs_db; /* false: the handler never touches the database (it runs on an HTTP thread) */
};

/* Route bodies: JSON, and for PATCH also JSON merge patch. */
extern const char *const ROUTES_JSON[];
extern const char *const ROUTES_JSON_OR_MERGE_PATCH[];

/* The application's table (src/routes/table.c). */
extern const struct route ROUTES[];
extern const size_t ROUTES_COUNT;

/* Values of the token holders' list parameters status= and include=. */
extern const char *const ROUTES_STATUSES[];
extern const char *const ROUTES_INCLUDES[];

void health_live(struct http_req *req, struct http_res *res);
void health_ready(struct http_req *req, struct http_res *res);
void news_list(struct http_req *req, struct http_res *res);
void news_item(struct http_req *req, struct http_res *res);
void publications_list(struct http_req *req, struct http_res *res);
void publications_item(struct http_req *req, struct http_res *res);
void helplines_list(struct http_req *req, struct http_res *res);
void helplines_item(struct http_req *req, struct http_res *res);
void support_rates_list(struct http_req *req, struct http_res *res);
void support_rates_item(struct http_req *req, struct http_res *res);
void resources_list(struct http_req *req, struct http_res *res);
void resources_item(struct http_req *req, struct http_res *res);
void search_list(struct http_req *req, struct http_res *res);
void audit_list(struct http_req *req, struct http_res *res);
void feeds_get(struct http_req *req, struct http_res *res);
void contract_yaml(struct http_req *req, struct http_res *res);
void contract_json(struct http_req *req, struct http_res *res);
void metrics_scrape(struct http_req *req, struct http_res *res);
void contract_docs(struct http_req *req, struct http_res *res);
/* Writes; req->route_data is the struct content_kind of the collection. */
void content_create(struct http_req *req, struct http_res *res);
void content_replace(struct http_req *req, struct http_res *res);
void content_update(struct http_req *req, struct http_res *res);
void content_delete(struct http_req *req, struct http_res *res);

/* This request's absolute URL (base, path, query re-encoded, without cursor); malloc'd. */
char *routes_self_url(const struct http_req *req);

/* Fills res with the problem for a failed domain call, with a standard detail. */
void routes_fail(const struct http_req *req, struct http_res *res, enum iasc_result r);

/* Runs a listing and answers with the page, a Link rel="next" header when there is more. */
void routes_page(struct http_req *req, struct http_res *res, struct listing *l, const char *cursor);

/* Answers one item (route capture 0 is its key); the request may carry no parameters. A
 * token with scope (the collection's write scope, or admin) also sees drafts and items
 * scheduled for later; anyone else sees the public item. */
void routes_item(struct http_req *req, struct http_res *res, const char *scope, enum stmt_id stmt);

/* Sync mode, shared by every collection: when updated_since is given, the only other
 * parameters allowed are limit, cursor and include_deleted (index i_deleted in specs); any
 * other given parameter is a 400. Returns false with res filled on error; *sync tells
 * whether sync mode was chosen (then l is set up with stmt, kind and the sync filters). */
bool routes_sync_mode(const struct http_req *req, struct http_res *res,
                      const struct param_spec *specs, const char **vals, size_t i_since,
                      size_t i_deleted, enum stmt_id stmt, const char *kind, struct listing *l,
                      bool *sync);

/* Writers' view of a list: status (draft|published) and include=scheduled, which need a
 * token (401 otherwise) with scope, the collection's write scope or admin (403 otherwise).
 * Sets FILTER_STATUS and FILTER_SCHEDULED. False with res filled. */
bool routes_visibility(const struct http_req *req, struct http_res *res, const char *scope,
                       const char *status, const char *include, struct listing *l);

/* Ensures the database is migrated and the cursor key is loaded (retried after a
 * database outage at start). False with a 503 in res when it is not. */
bool routes_db_ready(const struct http_req *req, struct http_res *res);

#endif
