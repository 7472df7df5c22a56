/* feeds.c: GET /v1/feeds/{news,publications,all}.{atom,rss,json}: the newest 50 items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/feeds.h"
#include "iasc/routes.h"

enum { P_TAG, P_TYPE };

static const struct param_spec NEWS_PARAMS[] = {
    [P_TAG] = {"tag", PARAM_TOKEN, NULL},
    {NULL, PARAM_TEXT, NULL},
};

static const struct param_spec PARAMS[] = {
    [P_TAG] = {"tag", PARAM_TOKEN, NULL},
    [P_TYPE] = {"type", PARAM_TOKEN, NULL},
    {NULL, PARAM_TEXT, NULL},
};

struct format {
  const char *ext;
  const char *content_type;
  enum iasc_result (*write)(const json_t *feed, struct buf *out);
};

static const struct format FORMATS[] = {
    {"atom", "application/atom+xml; charset=utf-8", feed_write_atom},
    {"rss", "application/rss+xml; charset=utf-8", feed_write_rss},
    {"json", "application/feed+json; charset=utf-8", feed_write_json},
};

static const char *const FEEDS[] = {"news", "publications", "all"};
static const char *const TITLES[] = {
    "Independent Anti-Slavery Commissioner: news",
    "Independent Anti-Slavery Commissioner: publications",
    "Independent Anti-Slavery Commissioner: news and publications"};

void feeds_get(struct http_req *req, struct http_res *res) {
  const char *name = req->route_params[0];
  const char *dot = strrchr(name, '.');
  size_t which = 3, fmt = 3;
  for (size_t i = 0; dot && i < 3; i++)
    if (strlen(FEEDS[i]) == (size_t)(dot - name) &&
        strncmp(FEEDS[i], name, (size_t)(dot - name)) == 0)
      which = i;
  for (size_t i = 0; dot && i < 3; i++)
    if (strcmp(dot + 1, FORMATS[i].ext) == 0)
      fmt = i;
  if (which == 3 || fmt == 3) {
    http_problem(req, res, IASC_NOT_FOUND, NULL,
                 "Feeds are /v1/feeds/{news,publications,all}.{atom,rss,json}.");
    return;
  }
  const char *v[2] = {NULL, NULL};
  if (!query_bind(req, res, which == 0 ? NEWS_PARAMS : PARAMS, v) || !routes_db_ready(req, res))
    return;
  char *self = routes_self_url(req);
  struct feed_request rq = {FEEDS[which],  TITLES[which], self ? self : "",
                            req->base_url, v[P_TAG],      v[P_TYPE]};
  json_t *feed = NULL;
  long long last_modified = 0;
  enum iasc_result rr = content_feed(&rq, &feed, &last_modified);
  free(self);
  if (rr != IASC_OK) {
    routes_fail(req, res, rr);
    return;
  }
  struct buf out = {0};
  rr = FORMATS[fmt].write(feed, &out);
  json_decref(feed);
  if (rr != IASC_OK || out.failed) {
    buf_free(&out);
    routes_fail(req, res, IASC_INTERNAL);
    return;
  }
  size_t len = out.len;
  http_res_json(res, 200, buf_steal(&out), len);
  res->content_type = FORMATS[fmt].content_type;
  res->last_modified = last_modified;
}
