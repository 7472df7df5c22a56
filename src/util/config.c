/* config.c: defaults, then environment variables, then command-line flags. */
#include "iasc/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "iasc/netaddr.h"

enum opt_kind { OPT_STR, OPT_UINT, OPT_SIZE };

struct option_def {
  const char *flag;
  const char *env;
  enum opt_kind kind;
  size_t offset;
  unsigned long long min, max;
  const char *help;
};

#define OFF(f) offsetof(struct iasc_config, f)

static const struct option_def OPTIONS[] = {
    {"--database-url", "DATABASE_URL", OPT_STR, OFF(database_url), 0, 0,
     "PostgreSQL connection URI or conninfo (default: the local cluster in <checkout>/.data)"},
    {"--port", "PORT", OPT_UINT, OFF(port), 1, 65535, "TCP port to listen on (default 8080)"},
    {"--bind", "BIND", OPT_STR, OFF(bind), 0, 0, "IPv4 address to listen on (default 127.0.0.1)"},
    {"--workers", "IASC_WORKERS", OPT_UINT, OFF(workers), 1, 256,
     "database worker threads, one PostgreSQL connection each (default: 2 per CPU, 4 to 16)"},
    {"--http-threads", "IASC_HTTP_THREADS", OPT_UINT, OFF(http_threads), 1, 256,
     "HTTP threads (epoll pool; they never wait on the database) (default: the CPUs)"},
    {"--queue-timeout-ms", "IASC_QUEUE_TIMEOUT_MS", OPT_UINT, OFF(queue_timeout_ms), 1, 600000,
     "longest a request waits for a database worker; then 503 (default 2000)"},
    {"--max-connections-per-client", "IASC_MAX_CONNECTIONS_PER_CLIENT", OPT_UINT,
     OFF(max_connections_per_client), 1, 100000,
     "concurrent connections from one client address (default 512)"},
    {"--request-timeout", "IASC_REQUEST_TIMEOUT", OPT_UINT, OFF(request_timeout), 1, 3600,
     "seconds a request may take from its request line to its answer (default 60)"},
    {"--drain-seconds", "IASC_DRAIN_SECONDS", OPT_UINT, OFF(drain_seconds), 0, 3600,
     "on SIGTERM/SIGINT, how long requests in flight may finish (default 10)"},
    {"--allowed-hosts", "IASC_ALLOWED_HOSTS", OPT_STR, OFF(allowed_hosts), 0, 0,
     "comma-separated Host values to answer; others get 421 (default: any)"},
    {"--max-connections", "IASC_MAX_CONNECTIONS", OPT_UINT, OFF(max_connections), 1, 100000,
     "concurrent client connections (default 1024)"},
    {"--connection-timeout", "IASC_CONNECTION_TIMEOUT", OPT_UINT, OFF(connection_timeout), 1, 3600,
     "seconds an idle client connection is kept (default 30)"},
    {"--max-body-bytes", "IASC_MAX_BODY_BYTES", OPT_SIZE, OFF(max_body_bytes), 1,
     64ull * 1024 * 1024, "largest request body accepted; larger gets 413 (default 1048576)"},
    {"--statement-timeout-ms", "IASC_STATEMENT_TIMEOUT_MS", OPT_UINT, OFF(statement_timeout_ms), 1,
     600000, "PostgreSQL statement_timeout for every query (default 5000)"},
    {"--log-level", "IASC_LOG_LEVEL", OPT_STR, OFF(log_level), 0, 0,
     "error | warning | info | debug (default info)"},
    {"--public-base-url", "IASC_PUBLIC_BASE_URL", OPT_STR, OFF(public_base_url), 0, 0,
     "absolute base for item URLs, e.g. https://api.example.org (default: from Host)"},
    {"--cache-bytes", "IASC_CACHE_BYTES", OPT_SIZE, OFF(cache_bytes), 0, 1ull << 34,
     "bytes of memory for cached public answers; 0 turns the cache off (default 67108864)"},
    {"--max-age", "IASC_MAX_AGE", OPT_UINT, OFF(max_age), 0, 86400,
     "Cache-Control max-age of public reads, cut to the next scheduled change (default 60)"},
    {"--stale-while-revalidate", "IASC_STALE_WHILE_REVALIDATE", OPT_UINT,
     OFF(stale_while_revalidate), 0, 86400, "stale-while-revalidate of public reads (default 30)"},
    {"--cors-origins", "IASC_CORS_ORIGINS", OPT_STR, OFF(cors_origins), 0, 0,
     "origins that may read from a browser: * (any, the default) or a comma-separated list"},
    {"--rate-limit", "IASC_RATE_LIMIT", OPT_UINT, OFF(rate_limit), 0, 6000000,
     "requests a minute per client address without a token; 0 turns it off (default 600)"},
    {"--rate-burst", "IASC_RATE_BURST", OPT_UINT, OFF(rate_burst), 1, 6000000,
     "requests an address may send at once, within that rate (default 120)"},
    {"--rate-limit-token", "IASC_RATE_LIMIT_TOKEN", OPT_UINT, OFF(rate_limit_token), 0, 6000000,
     "requests a minute per bearer token; 0 turns it off (default 6000)"},
    {"--rate-burst-token", "IASC_RATE_BURST_TOKEN", OPT_UINT, OFF(rate_burst_token), 1, 6000000,
     "requests a token may send at once, within that rate (default 1200)"},
    {"--rate-limit-auth", "IASC_RATE_LIMIT_AUTH", OPT_UINT, OFF(rate_limit_auth), 0, 6000000,
     "failed authentications a minute per address; 0 turns it off (default 10)"},
    {"--rate-exempt", "IASC_RATE_EXEMPT", OPT_STR, OFF(rate_exempt), 0, 0,
     "CIDRs never rate limited, comma-separated, or none (default 127.0.0.0/8,::1/128)"},
    {"--trusted-proxies", "IASC_TRUSTED_PROXIES", OPT_STR, OFF(trusted_proxies), 0, 0,
     "CIDRs of proxies whose X-Forwarded-For names the client (default none)"},
    {"--rate-clients", "IASC_RATE_CLIENTS", OPT_UINT, OFF(rate_clients), 16, 10000000,
     "client addresses and tokens the rate limiter tracks at most (default 65536)"},
};

/* IASC_ variables that the project's scripts and tests read, not the server (scripts/test,
 * bench/run, tests/): not unknown settings, though a server started by them sees them. */
static const char *const TOOL_VARIABLES[] = {
    "IASC_KEEP_PG",  "IASC_BIN", "IASC_CONTRACT_RECORD", "IASC_API_URL", "IASC_ADMIN_TOKEN",
    "IASC_CHROMIUM", NULL};
#define NOPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

void config_usage(FILE *out) {
  fprintf(out, "usage: iasc-api COMMAND [--flag value ...]\n\n"
               "commands:\n"
               "  serve     migrate the database, then serve the API over HTTP\n"
               "  migrate   apply pending database migrations (each once, in order)\n"
               "  seed      load the starter content (idempotent)\n"
               "  token create --name NAME --scope SCOPE[,SCOPE] [--expires 90d|12h|never]\n"
               "            make a bearer token; it is printed once, alone on the last line\n"
               "            (scopes: news:write publications:write helplines:write\n"
               "             support-rates:write resources:write metrics admin)\n"
               "  token list             list tokens (never their secrets)\n"
               "  token revoke ID        revoke a token\n"
               "  statements [NAME [N,N...]]\n"
               "            print the SQL of the prepared statements (for bench/): as run\n"
               "            with no optional parameter given, or with $N,... given\n"
               "  help      this text\n\n"
               "settings (environment variable, or the flag, which wins):\n");
  for (size_t i = 0; i < NOPTIONS; i++)
    fprintf(out, "  %-22s %-26s %s\n", OPTIONS[i].flag, OPTIONS[i].env, OPTIONS[i].help);
  fprintf(out, "\nLogs go to standard error. No log line holds a client address or the query\n"
               "string of a /v1/helplines request.\n");
}

static int set_option(struct iasc_config *cfg, const struct option_def *o, const char *value,
                      const char *source) {
  char *base = (char *)cfg + o->offset;
  if (o->kind == OPT_STR) {
    char **slot = (char **)(void *)base;
    free(*slot);
    *slot = strdup(value);
    return *slot ? 0 : -1;
  }
  errno = 0;
  char *end = NULL;
  unsigned long long v = strtoull(value, &end, 10);
  if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0' || v < o->min || v > o->max) {
    fprintf(stderr, "iasc-api: %s %s: expected a whole number from %llu to %llu, got \"%s\"\n",
            source, o->flag, o->min, o->max, value);
    return -1;
  }
  if (o->kind == OPT_UINT)
    *(unsigned *)(void *)base = (unsigned)v;
  else
    *(size_t *)(void *)base = (size_t)v;
  return 0;
}

/* DATABASE_URL, or the local cluster of the checkout the executable was built in:
 * <checkout>/build/iasc-api -> <checkout>/.data/run. Returns a malloc'd string. */
static char *default_conninfo(void) {
  const char *env = getenv("DATABASE_URL");
  if (env != NULL && *env != '\0')
    return strdup(env);
  /* <checkout>/build/iasc-api → <checkout>/.data/run */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return strdup("dbname=iasc");
  exe[n] = '\0';
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
      return strdup("dbname=iasc");
    *slash = '\0';
  }
  /* conninfo quoting: backslash-escape ' and \ inside single quotes. */
  char host[PATH_MAX * 2 + 32];
  size_t o = 0;
  const char *suffix = "/.data/run";
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s%s", exe, suffix);
  for (const char *p = path; *p && o < sizeof host - 2; p++) {
    if (*p == '\'' || *p == '\\')
      host[o++] = '\\';
    host[o++] = *p;
  }
  host[o] = '\0';
  size_t len = strlen(host) + 64;
  char *out = malloc(len);
  if (out)
    snprintf(out, len, "host='%s' dbname=iasc user=postgres", host);
  return out;
}

static void set_defaults(struct iasc_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->port = 8080;
  cfg->bind = strdup("127.0.0.1");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  /* Each worker's query keeps a PostgreSQL backend on a CPU: more of them than the cores can
   * run only queue there instead of here (on 2 vCPUs with the database beside the server, 4
   * workers answered 15-20% more uncached requests than 8, bench/README.md). A database
   * with more cores of its own wants IASC_WORKERS set to its size. */
  cfg->workers = cpus > 2 ? (cpus < 8 ? 2 * (unsigned)cpus : 16) : 4;
  cfg->http_threads = cpus > 0 && cpus < 256 ? (unsigned)cpus : 2;
  cfg->queue_timeout_ms = 2000;
  cfg->max_connections_per_client = 512;
  cfg->request_timeout = 60;
  cfg->drain_seconds = 10;
  cfg->max_connections = 1024;
  cfg->connection_timeout = 30;
  cfg->max_body_bytes = 1024 * 1024;
  cfg->statement_timeout_ms = 5000;
  cfg->log_level = strdup("info");
  cfg->cache_bytes = 64u * 1024 * 1024;
  cfg->max_age = 60;
  cfg->stale_while_revalidate = 30;
  cfg->cors_origins = strdup("*");
  cfg->rate_limit = 600;
  cfg->rate_burst = 120;
  cfg->rate_limit_token = 6000;
  cfg->rate_burst_token = 1200;
  cfg->rate_limit_auth = 10;
  cfg->rate_exempt = strdup("127.0.0.0/8,::1/128");
  cfg->rate_clients = 65536;
}

/* The flags argv[first..]: --flag value or --flag=value. */
static int read_flags(struct iasc_config *cfg, int argc, char **argv, int first) {
  for (int a = first; a < argc; a++) {
    const char *arg = argv[a];
    const char *eq = strchr(arg, '=');
    size_t flen = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct option_def *o = NULL;
    for (size_t i = 0; i < NOPTIONS; i++)
      if (strlen(OPTIONS[i].flag) == flen && strncmp(OPTIONS[i].flag, arg, flen) == 0)
        o = &OPTIONS[i];
    if (o == NULL) {
      fprintf(stderr, "iasc-api: unknown option \"%s\" (see iasc-api --help)\n", arg);
      return -1;
    }
    const char *value = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
    if (value == NULL) {
      fprintf(stderr, "iasc-api: %s needs a value\n", o->flag);
      return -1;
    }
    if (set_option(cfg, o, value, "flag") != 0)
      return -1;
  }
  return 0;
}

/* Every IASC_ variable of the environment must be a setting (a typo is not ignored). */
static int unknown_settings(void) {
  extern char **environ;
  for (char **e = environ; e != NULL && *e != NULL; e++) {
    if (strncmp(*e, "IASC_", 5) != 0)
      continue;
    size_t n = strcspn(*e, "=");
    bool known = false;
    for (size_t i = 0; i < NOPTIONS && !known; i++)
      known = strlen(OPTIONS[i].env) == n && strncmp(OPTIONS[i].env, *e, n) == 0;
    for (size_t i = 0; TOOL_VARIABLES[i] != NULL && !known; i++)
      known = strlen(TOOL_VARIABLES[i]) == n && strncmp(TOOL_VARIABLES[i], *e, n) == 0;
    if (!known) {
      fprintf(stderr, "iasc-api: %.*s is not a setting (see iasc-api help)\n", (int)n, *e);
      return -1;
    }
  }
  return 0;
}

/* A CIDR list setting parses. */
static int valid_cidrs(const char *name, const char *value) {
  struct cidr_list l;
  char error[160];
  if (cidr_list_parse(value, &l, error, sizeof error) != 0) {
    fprintf(stderr, "iasc-api: %s: %s\n", name, error);
    return -1;
  }
  cidr_list_free(&l);
  return 0;
}

/* Checks what one setting alone cannot say. */
static int validate(struct iasc_config *cfg) {
  if (valid_cidrs("IASC_RATE_EXEMPT", cfg->rate_exempt) != 0 ||
      valid_cidrs("IASC_TRUSTED_PROXIES", cfg->trusted_proxies) != 0)
    return -1;
  if (cfg->allowed_hosts != NULL &&
      (cfg->allowed_hosts[0] == '\0' ||
       strspn(cfg->allowed_hosts, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                  "-.:[],") != strlen(cfg->allowed_hosts))) {
    fprintf(stderr,
            "iasc-api: IASC_ALLOWED_HOSTS: expected host[:port] names separated by "
            "commas, got \"%s\"\n",
            cfg->allowed_hosts);
    return -1;
  }
  if (cfg->public_base_url != NULL) {
    size_t n = strlen(cfg->public_base_url);
    while (n > 0 && cfg->public_base_url[n - 1] == '/')
      cfg->public_base_url[--n] = '\0';
    if (strncmp(cfg->public_base_url, "http://", 7) != 0 &&
        strncmp(cfg->public_base_url, "https://", 8) != 0) {
      fprintf(stderr, "iasc-api: IASC_PUBLIC_BASE_URL must start with http:// or https://\n");
      return -1;
    }
  }
  return 0;
}

int config_load(struct iasc_config *cfg, int argc, char **argv, int first) {
  set_defaults(cfg);
  if (unknown_settings() != 0)
    return -1;
  for (size_t i = 0; i < NOPTIONS; i++) {
    const char *v = getenv(OPTIONS[i].env);
    if (v != NULL && *v != '\0' && set_option(cfg, &OPTIONS[i], v, OPTIONS[i].env) != 0)
      return -1;
  }
  if (read_flags(cfg, argc, argv, first) != 0)
    return -1;
  if (cfg->database_url == NULL)
    cfg->database_url = default_conninfo();
  if (validate(cfg) != 0)
    return -1;
  return cfg->database_url ? 0 : -1;
}

void config_free(struct iasc_config *cfg) {
  free(cfg->database_url);
  free(cfg->bind);
  free(cfg->log_level);
  free(cfg->public_base_url);
  free(cfg->cors_origins);
  free(cfg->allowed_hosts);
  free(cfg->rate_exempt);
  free(cfg->trusted_proxies);
  memset(cfg, 0, sizeof *cfg);
}
