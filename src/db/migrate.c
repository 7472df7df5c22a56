/* migrate.c: numbered migrations and the starter data, embedded in the binary. */
#include "iasc/migrate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/log.h"
#include "iasc/markdown.h"
#include "iasc/sqlfiles.h"
#include "internal.h"

/* An arbitrary, fixed key for pg_advisory_lock: one migrator at a time. */
#define MIGRATE_LOCK_KEY "7243917412"

static bool exec_ok(PGconn *c, const char *sql, const char *what) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    LOG_ERROR("migrate", "%s failed: %s", what, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

static bool params_ok(PGconn *c, const char *sql, int n, const char *const *params,
                      const char *what) {
  PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    LOG_ERROR("migrate", "%s failed: %s", what, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

int migrate_run(PGconn *c) {
  int rc = -1;
  if (!exec_ok(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock"))
    return -1;
  if (!exec_ok(c,
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version text PRIMARY KEY, checksum text NOT NULL,"
               " applied_at timestamptz NOT NULL DEFAULT now())",
               "create schema_migrations"))
    goto out;
  for (size_t i = 0; i < SQL_MIGRATIONS_COUNT; i++) {
    const struct sql_file *m = &SQL_MIGRATIONS[i];
    const char *p[1] = {m->name};
    PGresult *r = PQexecParams(c, "SELECT checksum FROM schema_migrations WHERE version = $1", 1,
                               NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      LOG_ERROR("migrate", "reading schema_migrations failed: %s", PQresultErrorMessage(r));
      PQclear(r);
      goto out;
    }
    bool applied = PQntuples(r) == 1;
    PQclear(r);
    if (applied)
      continue;
    LOG_INFO("migrate", "applying %s", m->name);
    if (!exec_ok(c, "BEGIN", "begin"))
      goto out;
    const char *ins[2] = {m->name, m->sql};
    if (!exec_ok(c, m->sql, m->name) ||
        !params_ok(c, "INSERT INTO schema_migrations (version, checksum) VALUES ($1, md5($2))", 2,
                   ins, "record migration") ||
        !exec_ok(c, "COMMIT", "commit")) {
      exec_ok(c, "ROLLBACK", "rollback");
      goto out;
    }
  }
  rc = 0;
out:
  exec_ok(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "unlock");
  return rc;
}

/* Renders body_html for news whose Markdown has not been rendered yet. */
static bool render_pending_bodies(PGconn *c) {
  PGresult *r = PQexec(c, "SELECT id::text, body_markdown FROM news"
                          " WHERE body_html IS NULL AND body_markdown IS NOT NULL");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    LOG_ERROR("seed", "reading news bodies failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    return false;
  }
  bool ok = true;
  for (int i = 0; ok && i < PQntuples(r); i++) {
    char *html = markdown_render(PQgetvalue(r, i, 1));
    if (html == NULL) {
      ok = false;
      break;
    }
    const char *p[2] = {PQgetvalue(r, i, 0), html};
    ok = params_ok(c, "UPDATE news SET body_html = $2 WHERE id = $1::uuid", 2, p, "render body");
    free(html);
  }
  PQclear(r);
  return ok;
}

/* Loads the starter content in one transaction; rows that exist are left as they are, so
 * running it again changes nothing. Returns 0, or -1 after logging. */
static int seed_run(PGconn *c) {
  /* The write lock of iasc_write: seeded rows take their place in the sync stream's order. */
  if (!exec_ok(c, "BEGIN", "begin") ||
      !exec_ok(c, "SELECT pg_advisory_xact_lock(7243917413)", "write lock") ||
      /* The sources give no date for some items: they stay undated (0008). */
      !exec_ok(c, "SET LOCAL iasc.keep_undated = 'on'", "keep undated")) {
    exec_ok(c, "ROLLBACK", "rollback");
    return -1;
  }
  for (size_t i = 0; i < SQL_SEEDS_COUNT; i++) {
    LOG_INFO("seed", "loading %s", SQL_SEEDS[i].name);
    if (!exec_ok(c, SQL_SEEDS[i].sql, SQL_SEEDS[i].name))
      goto fail;
  }
  if (!render_pending_bodies(c) || !exec_ok(c, "COMMIT", "commit"))
    goto fail;
  return 0;
fail:
  exec_ok(c, "ROLLBACK", "rollback");
  return -1;
}

char *migrate_cursor_secret(PGconn *c) {
  PGresult *r = PQexec(c, "SELECT value FROM settings WHERE key = 'cursor_secret'");
  char *out = NULL;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    out = strdup(PQgetvalue(r, 0, 0));
  else
    LOG_ERROR("migrate", "cursor secret missing: %s", PQresultErrorMessage(r));
  PQclear(r);
  return out;
}

int migrate_database(bool seed) {
  PGconn *c = db_connect_direct();
  if (c == NULL) {
    LOG_ERROR("migrate", "cannot reach the database");
    return -1;
  }
  int rc = migrate_run(c);
  if (rc == 0 && seed)
    rc = seed_run(c);
  PQfinish(c);
  return rc;
}
