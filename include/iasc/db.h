/* db.h: the database layer: one connection per worker thread, named prepared statements
 * from one table, re-prepared after every reconnect. */
#ifndef IASC_DB_H
#define IASC_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "iasc/result.h"
#include "iasc/statements.h"

/* Remembers the conninfo and statement timeout for every connection made later.
 * Returns 0. */
int db_init(const char *conninfo, unsigned statement_timeout_ms);
/* Closes this thread's connection (if any). */
void db_thread_close(void);
void db_shutdown(void);

/* Runs a prepared statement on this thread's connection, reconnecting once when the
 * connection was lost. On IASC_OK *out is a PGresult the caller must PQclear.
 * IASC_UNAVAILABLE when the database can't be reached, IASC_INTERNAL for SQL errors
 * (logged), IASC_CONFLICT for unique violations. */
enum iasc_result db_exec(enum stmt_id id, const char *const *params, PGresult **out);

/* True when the database answers a trivial query now. */
bool db_ready(void);

/* A fresh connection for commands (migrate, seed); NULL after logging on failure. */
PGconn *db_connect_direct(void);

/* The conninfo the server would use: DATABASE_URL, or the local cluster next to the
 * executable. Returns a malloc'd string. */
char *db_default_conninfo(void);

#endif
