/* server.c: starts and stops the HTTP server: libmicrohttpd on an epoll worker pool with
 * explicit limits, every request through connection.c, the response cache and the write
 * hook. */
#include "iasc/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "connection.h"
#include "flight.h"
#include "cors.h"
#include "iasc/content.h"
#include "gauges.h"
#include "iasc/log.h"
#include "iasc/metrics.h"
#include "iasc/version.h"
#include "internal.h"
#include "workers.h"

static struct MHD_Daemon *daemon_;
static struct sockaddr_in bind_addr;
static struct cors_config cors;
static struct limits limits;
static struct pipeline pipeline;

/* After a write in this process: learn the next scheduled change before dropping the cache
 * (answers cached from then on are cut to it); unknown, keep answers a second at most. Other
 * instances hear of the write through NOTIFY (background.c). */
static void on_write(long long next_change) {
  server_next_change(next_change >= 0 ? next_change : (long long)time(NULL) + 1);
  metrics_count(METRIC_INVALIDATIONS_WRITE);
  server_content_changed();
}

/* The metrics registry, with every route's template (ROUTES order) and the http gauges. */
static int start_metrics(void) {
  static const char *templates[256];
  if (ROUTES_COUNT > sizeof templates / sizeof templates[0])
    return -1;
  for (size_t i = 0; i < ROUTES_COUNT; i++)
    templates[i] = ROUTES[i].pattern;
  if (metrics_init(templates, ROUTES_COUNT, IASC_VERSION) != 0)
    return -1;
  metrics_set_source(gauges_write);
  return 0;
}

/* The daemon: an epoll thread pool, limits, and the three callbacks of connection.c. */
static struct MHD_Daemon *start_daemon(const struct iasc_config *cfg) {
  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->http_threads, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)cfg->max_connections_per_client, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL},
      /* libmicrohttpd zeroes each connection's memory after every request and keeps it for
       * the connection's life: 16 KiB (its default is 32) keeps 256 connections within 4 MiB,
       * at no cost in throughput (measured: 32, 16 and 8 KiB within noise; 256 KiB cost 3x
       * the memory and 40% of the throughput). It bounds the request line and headers. */
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(16 * 1024), NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &bind_addr},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)connection_begin, &pipeline},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)connection_completed, &pipeline},
      {MHD_OPTION_END, 0, NULL},
  };
  return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME,
                          (uint16_t)cfg->port, NULL, NULL, connection_access, &pipeline,
                          MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

/* The rate limiter and who it spares (the settings were checked by config_load). */
static int start_limits(const struct iasc_config *cfg) {
  const struct rate_policy policies[RATE_KINDS] = {
      [RATE_ADDRESS] = {"default", cfg->rate_limit, cfg->rate_burst},
      [RATE_TOKEN] = {"token", cfg->rate_limit_token, cfg->rate_burst_token},
      [RATE_AUTH] = {"auth", cfg->rate_limit_auth, cfg->rate_limit_auth},
  };
  char error[160];
  if (cidr_list_parse(cfg->rate_exempt, &limits.exempt, error, sizeof error) != 0 ||
      cidr_list_parse(cfg->trusted_proxies, &limits.trusted, error, sizeof error) != 0) {
    LOG_ERROR("server", "IASC_RATE_EXEMPT or IASC_TRUSTED_PROXIES: %s", error);
    return -1;
  }
  return ratelimit_init(policies, cfg->rate_clients);
}

static void stop_limits(void) {
  ratelimit_shutdown();
  cidr_list_free(&limits.exempt);
  cidr_list_free(&limits.trusted);
}

int server_start(const struct iasc_config *cfg) {
  const char *cors_error = NULL;
  if (cors_config_init(&cors, cfg->cors_origins, &cors_error) != 0) {
    LOG_ERROR("server", "IASC_CORS_ORIGINS: %s", cors_error ? cors_error : "invalid");
    return -1;
  }
  if (cache_init(cfg->cache_bytes, 0) != 0 || start_metrics() != 0 || start_limits(cfg) != 0) {
    LOG_ERROR("server", "cannot create the response cache, the metrics or the rate limiter");
    return -1;
  }
  respond_reset_clock();
  content_set_write_hook(on_write);
  pipeline = (struct pipeline){cfg, &cors, &limits};
  memset(&bind_addr, 0, sizeof bind_addr);
  bind_addr.sin_family = AF_INET;
  bind_addr.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->bind, &bind_addr.sin_addr) != 1) {
    LOG_ERROR("server", "BIND \"%s\" is not an IPv4 address", cfg->bind);
    return -1;
  }
  flight_configure(cfg->queue_timeout_ms);
  if (workers_start(cfg->workers, cfg->queue_timeout_ms) != 0)
    return -1;
  if ((daemon_ = start_daemon(cfg)) == NULL) {
    LOG_ERROR("server", "cannot listen on %s:%u", cfg->bind, cfg->port);
    workers_stop();
    return -1;
  }
  LOG_INFO("server", "listening on http://%s:%u with %u HTTP threads and %u database workers",
           cfg->bind, cfg->port, cfg->http_threads, cfg->workers);
  return 0;
}

/* Graceful drain: no new connections; requests in flight may finish for drain_seconds. */
static void drain(unsigned seconds) {
  struct timespec t0, now, pause = {0, 20 * 1000 * 1000};
  MHD_socket listener = MHD_quiesce_daemon(daemon_);
  if (listener != MHD_INVALID_SOCKET)
    close(listener);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned left;
  while ((left = connection_in_flight()) > 0) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec >= (time_t)seconds) {
      LOG_WARN("server", "drain: %u request(s) still in flight after %u s", left, seconds);
      return;
    }
    nanosleep(&pause, NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  LOG_INFO("server", "drained in %.3f s",
           (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
}

void server_stop(unsigned drain_seconds) {
  if (daemon_ != NULL)
    drain(drain_seconds);
  workers_stop(); /* what is queued runs and resumes its request first */
  if (daemon_ != NULL)
    MHD_stop_daemon(daemon_);
  daemon_ = NULL;
  content_set_write_hook(NULL);
  metrics_set_source(NULL);
  metrics_shutdown();
  stop_limits();
  flight_shutdown();
  cache_shutdown();
  cors_config_free(&cors);
}
