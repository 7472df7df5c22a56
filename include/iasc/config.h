/* config.h: every setting, its default, and where it comes from (env, then flags). */
#ifndef IASC_CONFIG_H
#define IASC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct iasc_config {
  char *database_url;                  /* DATABASE_URL; default: the checkout's local cluster */
  unsigned port;                       /* PORT, 8080 */
  char *bind;                          /* BIND, 127.0.0.1 */
  unsigned workers;                    /* IASC_WORKERS, 8: database workers = DB connections */
  unsigned http_threads;               /* IASC_HTTP_THREADS, the CPUs: the epoll pool */
  unsigned queue_timeout_ms;           /* IASC_QUEUE_TIMEOUT_MS, 2000: wait for a database worker */
  unsigned max_connections_per_client; /* IASC_MAX_CONNECTIONS_PER_CLIENT, 512 */
  unsigned request_timeout;        /* IASC_REQUEST_TIMEOUT seconds, 60: request line to answer */
  unsigned drain_seconds;          /* IASC_DRAIN_SECONDS, 10: requests in flight at SIGTERM */
  char *allowed_hosts;             /* IASC_ALLOWED_HOSTS: Host values answered (NULL: any) */
  unsigned max_connections;        /* IASC_MAX_CONNECTIONS, 1024 */
  unsigned connection_timeout;     /* IASC_CONNECTION_TIMEOUT seconds, 30 */
  size_t max_body_bytes;           /* IASC_MAX_BODY_BYTES, 1 MiB */
  unsigned statement_timeout_ms;   /* IASC_STATEMENT_TIMEOUT_MS, 5000 */
  char *log_level;                 /* IASC_LOG_LEVEL, info */
  char *public_base_url;           /* IASC_PUBLIC_BASE_URL, unset: from the Host header */
  size_t cache_bytes;              /* IASC_CACHE_BYTES, 64 MiB; 0 turns the response cache off */
  unsigned max_age;                /* IASC_MAX_AGE seconds, 60: max-age of public reads */
  unsigned stale_while_revalidate; /* IASC_STALE_WHILE_REVALIDATE seconds, 30 */
  char *cors_origins;              /* IASC_CORS_ORIGINS, "*": comma-separated origins, or * */
  unsigned rate_limit;             /* IASC_RATE_LIMIT, 600 a minute per address; 0: off */
  unsigned rate_burst;             /* IASC_RATE_BURST, 120: what an address may send at once */
  unsigned rate_limit_token;       /* IASC_RATE_LIMIT_TOKEN, 6000 a minute per token; 0: off */
  unsigned rate_burst_token;       /* IASC_RATE_BURST_TOKEN, 1200 */
  unsigned rate_limit_auth;        /* IASC_RATE_LIMIT_AUTH, 10 failed authentications a minute
                                      per address (also the burst); 0: off */
  char *rate_exempt;               /* IASC_RATE_EXEMPT, loopback: CIDRs never limited */
  char *trusted_proxies;           /* IASC_TRUSTED_PROXIES, none: CIDRs whose X-Forwarded-For
                                      names the client */
  unsigned rate_clients;           /* IASC_RATE_CLIENTS, 65536: addresses and tokens tracked */
};

/* Fills cfg from defaults, the environment, then argv flags (argv[first..]).
 * Returns 0, or -1 after printing the problem to stderr. Free with config_free. */
int config_load(struct iasc_config *cfg, int argc, char **argv, int first);
void config_free(struct iasc_config *cfg);
void config_usage(FILE *out);

#endif
