/* internal.h: private to src/db: direct connections and the migration steps that run on
 * one, for bootstrap.c, background.c and migrate.c. */
#ifndef IASC_DB_INTERNAL_H
#define IASC_DB_INTERNAL_H

#include <stdbool.h>

#include <libpq-fe.h>

/* A fresh connection outside the pool, set up like the pool's (timeouts, UTC, ISO dates);
 * NULL after logging on failure. The caller PQfinishes it. */
PGconn *db_connect_direct(void);

/* The statement timeout db_init was given. */
unsigned db_statement_timeout_ms(void);

/* ---- wait.c: libpq with a deadline (milliseconds on the monotonic clock) ---- */

/* The deadline of one database call made now: the statement timeout, plus what a round
 * trip and a reconnect may add, under the 2 s the contract allows. */
long long db_deadline(void);

/* Connects and sets the session up (statement timeout, UTC, ISO dates, generic plans) by the
 * deadline; the connection is non-blocking. NULL after logging. */
PGconn *db_connect_until(const char *conninfo, unsigned statement_timeout_ms, long long deadline);

/* After a PQsend*: flushes, then collects every result until the deadline. Returns the last
 * result (an error over what follows it), the caller PQclears it; NULL when none came, with
 * *timed_out set when the deadline passed (the connection's state is then unknown: drop it). */
PGresult *db_result_until(PGconn *c, long long deadline, bool *timed_out);

/* PQsendQuery + db_result_until. */
PGresult *db_exec_until(PGconn *c, const char *sql, long long deadline, bool *timed_out);

/* Applies every pending migration in order, each once, each in its own transaction,
 * recorded in schema_migrations; concurrent runners wait on an advisory lock.
 * Returns 0, or -1 after logging. */
int migrate_run(PGconn *conn);

/* Reads the cursor-signing secret from the settings table into a malloc'd string, or NULL. */
char *migrate_cursor_secret(PGconn *conn);

#endif
