/* migrate.h: schema migrations and starter data, run by the `migrate`, `seed` and `serve`
 * commands. */
#ifndef IASC_MIGRATE_H
#define IASC_MIGRATE_H

#include <libpq-fe.h>

/* Applies every pending migration in order, each once, each in its own transaction,
 * recorded in schema_migrations; concurrent runners wait on an advisory lock.
 * Returns 0, or -1 after logging. */
int migrate_run(PGconn *conn);

/* Loads the starter content in one transaction; rows that exist are left as they are, so
 * running it again changes nothing. Returns 0, or -1 after logging. */
int seed_run(PGconn *conn);

/* Reads the cursor-signing secret from the settings table into a malloc'd string, or NULL. */
char *migrate_cursor_secret(PGconn *conn);

#endif
