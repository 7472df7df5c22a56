/* table.c: every route of the API, declared in one place. */
#include "iasc/router.h"
#include "iasc/routes.h"

const struct route ROUTES[] = {
    {"GET", "/healthz", health_live, NULL},
    {"GET", "/readyz", health_ready, NULL},
    {"GET", "/v1/news", news_list, NULL},
    {"GET", "/v1/news/{slug}", news_item, NULL},
    {"GET", "/v1/publications", publications_list, NULL},
    {"GET", "/v1/publications/{slug}", publications_item, NULL},
    {"GET", "/v1/helplines", helplines_list, NULL},
    {"GET", "/v1/helplines/{slug}", helplines_item, NULL},
    {"GET", "/v1/support-rates", support_rates_list, NULL},
    {"GET", "/v1/support-rates/{id}", support_rates_item, NULL},
    {"GET", "/v1/resources", resources_list, NULL},
    {"GET", "/v1/resources/{slug}", resources_item, NULL},
    {"GET", "/v1/search", search_list, NULL},
};

const size_t ROUTES_COUNT = sizeof ROUTES / sizeof ROUTES[0];
