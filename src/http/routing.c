/* routing.c: the route stage: match the path against ROUTES (404, 405 with Allow, OPTIONS,
 * HEAD as GET), check the bearer token and the route's scope (401, 403), run the handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/auth.h"
#include "internal.h"
#include "router.h"

static void unauthorized(const struct http_req *req, struct http_res *res, const char *error,
                         const char *description) {
  char value[256];
  if (error != NULL)
    snprintf(value, sizeof value,
             "Bearer realm=\"iasc-api\", error=\"%s\", error_description=\"%s\"", error,
             description);
  else
    snprintf(value, sizeof value, "Bearer realm=\"iasc-api\"");
  http_problem(req, res, IASC_UNAUTHORIZED, NULL, "%s", description);
  http_res_header(res, "WWW-Authenticate", value);
}

/* Checks a bearer token when one is sent (on any route: a bad token is never ignored).
 * Returns false with res filled (401, 503). */
static bool authenticate(struct http_req *req, struct http_res *res) {
  const char *authz = http_req_header(req, "Authorization");
  if (authz == NULL)
    return true;
  switch (auth_authenticate(authz, &req->who)) { /* the database answers, or 503 */
  case AUTH_OK:
    req->authenticated = true;
    return true;
  case AUTH_MALFORMED:
    unauthorized(req, res, "invalid_request", "The Authorization header must be: Bearer <token>.");
    return false;
  case AUTH_EXPIRED:
    unauthorized(req, res, "invalid_token", "The token has expired.");
    return false;
  case AUTH_INVALID:
    unauthorized(req, res, "invalid_token", "The token is not valid.");
    return false;
  case AUTH_UNAVAILABLE:
  default:
    http_problem(req, res, IASC_UNAVAILABLE, NULL,
                 "The database is unavailable; try again shortly.");
    return false;
  }
}

/* The route's scope. Returns false with res filled (401, 403). */
static bool authorize(struct http_req *req, struct http_res *res, const struct route *route) {
  if (route->scope == NULL)
    return true;
  if (!req->authenticated) {
    unauthorized(req, res, NULL, "This needs a bearer token.");
    return false;
  }
  if (auth_has_scope(&req->who, route->scope))
    return true;
  char value[160];
  snprintf(value, sizeof value,
           "Bearer realm=\"iasc-api\", error=\"insufficient_scope\", scope=\"%s\"", route->scope);
  http_problem(req, res, IASC_FORBIDDEN, NULL, "This needs a token with the scope %s.",
               route->scope);
  http_res_header(res, "WWW-Authenticate", value);
  return false;
}

/* OPTIONS: 204 with Allow, and the CORS preflight headers when it is one. */
static void options(struct exchange *x, const char *allow) {
  struct http_req *req = &x->req;
  x->res.status = 204;
  x->res.cache_control = "no-store";
  http_res_header(&x->res, "Allow", allow);
  const char *origin = http_req_header(req, "Origin");
  if (cors_is_preflight(req->method, origin, http_req_header(req, "Access-Control-Request-Method")))
    cors_headers(x->cors, origin, true, cors_add_to_res, &x->res);
}

bool routing_match(struct exchange *x) {
  struct http_req *req = &x->req;
  struct http_res *res = &x->res;
  size_t plen = strlen(req->path);
  char allow[128];
  x->scratch = malloc(2 * (plen + 1));
  if (x->scratch == NULL) {
    http_problem(req, res, IASC_INTERNAL, NULL, "Out of memory.");
    return false;
  }
  bool is_options = strcmp(req->method, "OPTIONS") == 0;
  enum router_outcome o =
      router_match(ROUTES, ROUTES_COUNT, is_options ? "GET" : req->method, req->path, x->scratch,
                   req->route_params, &req->nroute_params, &x->route, allow, sizeof allow);
  if (x->route != NULL)
    x->route_index = (int)(x->route - ROUTES);
  if (o == ROUTER_MATCH && !is_options)
    return true;
  if (o == ROUTER_NOT_FOUND) {
    http_problem(req, res, IASC_NOT_FOUND, NULL, "There is nothing at %s.", "this path");
  } else if (is_options) {
    options(x, allow);
  } else {
    http_problem(req, res, IASC_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; allowed: %s.",
                 req->method, allow);
    http_res_header(res, "Allow", allow);
  }
  x->route = NULL;
  return false;
}

bool routing_authorize(struct exchange *x) {
  x->authorized = authenticate(&x->req, &x->res) && authorize(&x->req, &x->res, x->route);
  if (!x->authorized && x->res.status == 401 && http_req_header(&x->req, "Authorization"))
    pipeline_auth_failed(x);
  return x->authorized;
}

bool routing_offline(const struct exchange *x) {
  return x->route != NULL && !x->route->needs_db &&
         http_req_header(&x->req, "Authorization") == NULL;
}

void routing_run(struct exchange *x) {
  if (x->res.status != 0 || (x->route == NULL && !routing_match(x)))
    return;
  if (!x->authorized && !routing_authorize(x))
    return;
  x->req.route_data = x->route->data;
  x->route->handler(&x->req, &x->res);
}
