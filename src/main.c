/* main.c: the command line: serve, migrate, seed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iasc/auth.h"
#include "iasc/background.h"
#include "iasc/bootstrap.h"
#include "iasc/config.h"
#include "iasc/db.h"
#include "iasc/log.h"
#include "iasc/migrate.h"
#include "iasc/server.h"
#include "iasc/statements.h"

/* migrate, seed: each on a connection of its own. */
static int migrate_command(bool seed) {
  const char *what = seed ? "seed" : "migrate";
  int rc = migrate_database(seed) == 0 ? 0 : 1;
  if (rc == 0)
    LOG_INFO("main", "%s: done", what);
  return rc;
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
  if (background_start(server_content_changed, server_next_change_learned) != 0) {
    server_stop(0);
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  LOG_INFO("main", "signal %d: draining (at most %u s)", sig, cfg->drain_seconds);
  server_stop(cfg->drain_seconds);
  background_stop();
  return 0;
}

/* iasc-api token create --name N --scope S[,S] [--expires 90d] | list | revoke ID.
 * Its flags were taken out of argv by main before config_load saw the rest. */
static const char *token_name, *token_scopes, *token_expires, *token_id, *token_verb;

static int token_command(void) {
  int rc = 2;
  if (migrate_database(false) != 0)
    rc = 1;
  else if (token_verb != NULL && strcmp(token_verb, "create") == 0)
    rc = token_create(token_name, token_scopes, token_expires, stdout);
  else if (token_verb != NULL && strcmp(token_verb, "list") == 0)
    rc = token_list(stdout);
  else if (token_verb != NULL && strcmp(token_verb, "revoke") == 0)
    rc = token_revoke(token_id, stdout);
  else
    fprintf(stderr, "usage: iasc-api token create --name NAME --scope SCOPE[,SCOPE] "
                    "[--expires 90d|12h|never] | token list | token revoke ID\n");
  db_thread_close();
  return rc;
}

/* Takes the token subcommand's own words out of argv; returns the new argc. */
static int take_token_args(int argc, char **argv) {
  int out = 2;
  token_verb = argc > 2 ? argv[2] : NULL;
  int a = 3;
  if (token_verb != NULL && strcmp(token_verb, "revoke") == 0 && argc > 3 && argv[3][0] != '-')
    token_id = argv[a++];
  for (; a < argc; a++) {
    const char **slot = strcmp(argv[a], "--name") == 0      ? &token_name
                        : strcmp(argv[a], "--scope") == 0   ? &token_scopes
                        : strcmp(argv[a], "--expires") == 0 ? &token_expires
                                                            : NULL;
    if (slot != NULL && a + 1 < argc)
      *slot = argv[++a];
    else
      argv[out++] = argv[a];
  }
  return out;
}

/* statements [NAME [N,N...]]: the server's prepared statements, for tools such as bench/ that
 * replay the exact SQL: each as the server runs it when no optional parameter is given, or
 * the one named as it runs with $N,... given. $n are numbered as in the statement table. */
static int statements_command(int argc, char **argv) {
  unsigned given = 0;
  for (char *p = argc > 3 ? argv[3] : ""; *p != '\0'; p++) {
    long n = strtol(p, &p, 10);
    if (n < 1 || n > 32 || (*p != ',' && *p != '\0')) {
      fprintf(stderr, "usage: iasc-api statements [NAME [N,N...]]\n");
      return 2;
    }
    given |= 1u << (n - 1);
    if (*p == '\0')
      break;
  }
  int shown = 0;
  for (int i = 0; i < STMT_COUNT; i++) {
    if (argc > 2 && strcmp(argv[2], STATEMENTS[i].name) != 0)
      continue;
    char *sql = statement_sql((enum stmt_id)i, given);
    if (sql == NULL)
      return 1;
    printf("-- %s (%d parameters)\n%s;\n\n", STATEMENTS[i].name, STATEMENTS[i].nparams, sql);
    free(sql);
    shown++;
  }
  if (shown == 0)
    fprintf(stderr, "iasc-api statements: no statement %s\n", argv[2]);
  return shown > 0 ? 0 : 1;
}

/* A request allocates dozens of small blocks (headers, the query, JSON): glibc's
 * per-thread cache of 7 blocks per size was measured too small for that (bench/: +10-20%
 * cached req/s with 128). Two arenas instead of one per thread (8 per core) keep freed
 * memory from piling up in ten of them: the cache-off phase of bench/ peaked at 48 MiB with
 * them, 34 MiB with two, cached req/s the same. Tunables are read at process start only, so
 * serve re-executes itself once with them, unless the operator set GLIBC_TUNABLES. Returns
 * if exec fails. */
static void tune_malloc(char **argv) {
  if (getenv("GLIBC_TUNABLES") != NULL)
    return;
  setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=128:glibc.malloc.arena_max=2", 1);
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "help";
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    config_usage(stdout);
    return argc > 1 ? 0 : 2;
  }
  if (strcmp(cmd, "statements") == 0)
    return statements_command(argc, argv);
  if (strcmp(cmd, "serve") == 0)
    tune_malloc(argv);
  struct iasc_config cfg;
  if (strcmp(cmd, "token") == 0)
    argc = take_token_args(argc, argv);
  if (config_load(&cfg, argc, argv, strcmp(cmd, "token") == 0 ? 3 : 2) != 0) {
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
  if (strcmp(cmd, "token") == 0) {
    rc = token_command();
  } else if (strcmp(cmd, "serve") == 0) {
    rc = serve(&cfg);
  } else if (strcmp(cmd, "migrate") == 0) {
    rc = migrate_command(false);
  } else if (strcmp(cmd, "seed") == 0) {
    rc = migrate_command(true);
  } else {
    fprintf(stderr, "iasc-api: unknown command \"%s\" (see iasc-api --help)\n", cmd);
    rc = 2;
  }
  db_shutdown();
  log_close();
  config_free(&cfg);
  return rc;
}
