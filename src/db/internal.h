/* internal.h: private to src/db: direct connections and the migration steps that run on
 * one, for bootstrap.c, background.c and migrate.c. */
#ifndef IASC_DB_INTERNAL_H
#define IASC_DB_INTERNAL_H

#include <libpq-fe.h>

/* A fresh connection outside the pool, set up like the pool's (timeouts, UTC, ISO dates);
 * NULL after logging on failure. The caller PQfinishes it. */
PGconn *db_connect_direct(void);

/* Applies every pending migration in order, each once, each in its own transaction,
 * recorded in schema_migrations; concurrent runners wait on an advisory lock.
 * Returns 0, or -1 after logging. */
int migrate_run(PGconn *conn);

/* Reads the cursor-signing secret from the settings table into a malloc'd string, or NULL. */
char *migrate_cursor_secret(PGconn *conn);

#endif
