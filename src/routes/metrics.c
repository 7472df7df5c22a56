/* metrics.c: GET /metrics: the Prometheus text exposition, for a token with the metrics
 * (or admin) scope; the route table asks for the scope. */
#include "iasc/metrics.h"

#include "iasc/routes.h"

static const struct param_spec NO_PARAMS[] = {{NULL, PARAM_TEXT, NULL}};

void metrics_scrape(struct http_req *req, struct http_res *res) {
  const char *vals[1];
  struct buf out = {0};
  if (!query_bind(req, res, NO_PARAMS, vals))
    return;
  metrics_write(&out);
  if (out.failed || out.data == NULL) {
    buf_free(&out);
    routes_fail(req, res, IASC_INTERNAL);
    return;
  }
  size_t len = out.len;
  http_res_json(res, 200, buf_steal(&out), len);
  res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
