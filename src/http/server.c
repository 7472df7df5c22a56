/* server.c: starts and stops the HTTP server: Ulfius on an epoll worker pool with explicit
 * limits, one catch-all endpoint (pipeline.c), the response cache and the write hook. */
#include "iasc/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <string.h>
#include <time.h>

#include <ulfius.h>

#include "cache.h"
#include "cors.h"
#include "iasc/content.h"
#include "iasc/handler.h"
#include "iasc/log.h"
#include "internal.h"
#include "pipeline.h"

static struct _u_instance instance;
static struct sockaddr_in bind_addr;
static struct cors_config cors;
static struct pipeline pipeline;

/* After a write in this process: learn the next scheduled change before dropping the cache
 * (answers cached from then on are cut to it); unknown, keep answers a second at most. Other
 * instances hear of the write through NOTIFY (background.c). */
static void on_write(long long next_change) {
  server_next_change(next_change >= 0 ? next_change : (long long)time(NULL) + 1);
  server_content_changed();
}

static bool too_many_params(const char *query) {
  size_t n = 1;
  for (const char *p = strchr(query, '&'); p != NULL; p = strchr(p + 1, '&'))
    if (++n > HTTP_MAX_QUERY_PARAMS)
      return true;
  return false;
}

/* Ulfius copies the whole URI here, and dispatch() parses the query from that copy.
 * libmicrohttpd parses its own copy next, into entries taken from the connection's 32 KiB:
 * with thousands of parameters that runs out, and libmicrohttpd 0.9.75 then drops the
 * request unanswered and never reports it complete, so Ulfius's request state leaks. Past
 * our parameter limit, cut libmicrohttpd's copy (the bytes it is about to parse) after the
 * '?': the request reaches dispatch() and gets its 400. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *connection) {
  (void)connection;
  void *info = ulfius_uri_logger(cls, uri);
  const char *q = strchr(uri, '?');
  if (info != NULL && q != NULL && too_many_params(q + 1))
    ((char *)q)[1] = '\0';
  return info;
}

int server_start(const struct iasc_config *cfg) {
  const char *cors_error = NULL;
  if (cors_config_init(&cors, cfg->cors_origins, &cors_error) != 0) {
    LOG_ERROR("server", "IASC_CORS_ORIGINS: %s", cors_error ? cors_error : "invalid");
    return -1;
  }
  if (cache_init(cfg->cache_bytes, 0) != 0) {
    LOG_ERROR("server", "cannot create the response cache");
    return -1;
  }
  respond_reset_clock();
  content_set_write_hook(on_write);
  pipeline = (struct pipeline){cfg, &cors};
  memset(&bind_addr, 0, sizeof bind_addr);
  bind_addr.sin_family = AF_INET;
  bind_addr.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->bind, &bind_addr.sin_addr) != 1) {
    LOG_ERROR("server", "BIND \"%s\" is not an IPv4 address", cfg->bind);
    return -1;
  }
  if (ulfius_init_instance(&instance, cfg->port, &bind_addr, NULL) != U_OK) {
    LOG_ERROR("server", "cannot initialise the HTTP instance");
    return -1;
  }
  /* One byte over the limit lets us tell "too large" (413) from "exactly the limit";
   * Ulfius would otherwise truncate silently. */
  instance.max_post_body_size = cfg->max_body_bytes + 1;
  instance.check_utf8 = 0;
  ulfius_set_default_endpoint(&instance, pipeline_dispatch, &pipeline);

  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->workers, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL},
      /* libmicrohttpd zeroes each connection's read buffer (half this) after every request:
       * 32 KiB keeps that and the resident memory small (256 KiB cost 3x the memory and 40%
       * of the throughput at 256 connections). It bounds the request line and headers. */
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(32 * 1024), NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &bind_addr},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logged, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  if (ulfius_start_framework_with_mhd_options(&instance, MHD_USE_EPOLL_INTERNAL_THREAD, ops) !=
      U_OK) {
    LOG_ERROR("server", "cannot listen on %s:%u", cfg->bind, cfg->port);
    ulfius_clean_instance(&instance);
    return -1;
  }
  LOG_INFO("server", "listening on http://%s:%u with %u workers", cfg->bind, cfg->port,
           cfg->workers);
  return 0;
}

void server_stop(void) {
  content_set_write_hook(NULL);
  ulfius_stop_framework(&instance);
  ulfius_clean_instance(&instance);
  cache_shutdown();
  cors_config_free(&cors);
}
