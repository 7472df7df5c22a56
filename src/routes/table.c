/* table.c: every route of the API, declared in one place: method, path, handler, the token
 * scope it needs (NULL: public), and data for the handler. */
#include "iasc/routes.h"
#include "iasc/schema.h"

/* The six routes of a collection; writes need scope and get the collection's kind. */
#define COLLECTION(path, list, item, kind, scope)                                                  \
  {"GET", path, list, NULL, NULL, NULL, true},                                                     \
      {"POST", path, content_create, scope, &(kind), ROUTES_JSON, true},                           \
      {"GET", path "/{key}", item, NULL, NULL, NULL, true},                                        \
      {"PUT", path "/{key}", content_replace, scope, &(kind), ROUTES_JSON, true},                  \
      {"PATCH", path "/{key}", content_update, scope, &(kind), ROUTES_JSON_OR_MERGE_PATCH, true},  \
  {                                                                                                \
    "DELETE", path "/{key}", content_delete, scope, &(kind), NULL, true                            \
  }

const char *const ROUTES_JSON[] = {"application/json", NULL};
const char *const ROUTES_JSON_OR_MERGE_PATCH[] = {"application/json",
                                                  "application/merge-patch+json", NULL};

const struct route ROUTES[] = {
    {"GET", "/docs", contract_docs, NULL, NULL, NULL, false},
    {"GET", "/healthz", health_live, NULL, NULL, NULL, false},
    {"GET", "/readyz", health_ready, NULL, NULL, NULL, true},
    {"GET", "/openapi.yaml", contract_yaml, NULL, NULL, NULL, false},
    {"GET", "/openapi.json", contract_json, NULL, NULL, NULL, false},
    {"GET", "/metrics", metrics_scrape, "metrics", NULL, NULL, false},
    COLLECTION("/v1/news", news_list, news_item, KIND_NEWS, "news:write"),
    COLLECTION("/v1/publications", publications_list, publications_item, KIND_PUBLICATIONS,
               "publications:write"),
    COLLECTION("/v1/helplines", helplines_list, helplines_item, KIND_HELPLINES, "helplines:write"),
    COLLECTION("/v1/support-rates", support_rates_list, support_rates_item, KIND_SUPPORT_RATES,
               "support-rates:write"),
    COLLECTION("/v1/resources", resources_list, resources_item, KIND_RESOURCES, "resources:write"),
    {"GET", "/v1/search", search_list, NULL, NULL, NULL, true},
    {"GET", "/v1/feeds/{feed}", feeds_get, NULL, NULL, NULL, true},
    {"GET", "/v1/audit", audit_list, "admin", NULL, NULL, true},
};

const size_t ROUTES_COUNT = sizeof ROUTES / sizeof ROUTES[0];
