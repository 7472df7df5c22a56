/* main.c: the command line: serve, migrate, seed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/bootstrap.h"
#include "iasc/config.h"
#include "iasc/db.h"
#include "iasc/log.h"
#include "iasc/migrate.h"
#include "iasc/server.h"

static int run_direct(int (*fn)(PGconn *), const char *what) {
  PGconn *c = db_connect_direct();
  if (c == NULL) {
    LOG_ERROR("main", "%s: cannot reach the database", what);
    return 1;
  }
  int rc = fn(c) == 0 ? 0 : 1;
  PQfinish(c);
  if (rc == 0)
    LOG_INFO("main", "%s: done", what);
  return rc;
}

static int seed_with_migrations(PGconn *c) {
  return migrate_run(c) == 0 ? seed_run(c) : -1;
}

static int serve(const struct iasc_config *cfg) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  /* Block the signals in every thread; the main thread waits for them below. */
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (!bootstrap_ensure())
    LOG_WARN("main", "database not ready at start; serving 503 until it is");
  if (server_start(cfg) != 0)
    return 1;
  int sig = 0;
  sigwait(&set, &sig);
  LOG_INFO("main", "signal %d: stopping", sig);
  server_stop();
  return 0;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "help";
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    config_usage(stdout);
    return argc > 1 ? 0 : 2;
  }
  struct iasc_config cfg;
  if (config_load(&cfg, argc, argv, 2) != 0) {
    config_free(&cfg);
    return 2;
  }
  if (log_init(cfg.log_level) != 0) {
    fprintf(stderr, "iasc-api: unknown log level \"%s\"\n", cfg.log_level);
    config_free(&cfg);
    return 2;
  }
  db_init(cfg.database_url, cfg.statement_timeout_ms);
  int rc;
  if (strcmp(cmd, "serve") == 0) {
    rc = serve(&cfg);
  } else if (strcmp(cmd, "migrate") == 0) {
    rc = run_direct(migrate_run, "migrate");
  } else if (strcmp(cmd, "seed") == 0) {
    rc = run_direct(seed_with_migrations, "seed");
  } else {
    fprintf(stderr, "iasc-api: unknown command \"%s\" (see iasc-api --help)\n", cmd);
    rc = 2;
  }
  db_shutdown();
  log_close();
  config_free(&cfg);
  return rc;
}
