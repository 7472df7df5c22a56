/* db.h: the database layer as the rooms above see it: one connection per worker thread,
 * named prepared statements from one table (statements.h), re-prepared after every
 * reconnect, and results read through struct db_rows. No libpq type crosses this header. */
#ifndef IASC_DB_H
#define IASC_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "iasc/result.h"
#include "iasc/statements.h"

/* The rows one statement returned. Read-only; freed with db_rows_free. */
struct db_rows;

/* Remembers the conninfo and statement timeout for every connection made later.
 * Returns 0, or -1 when out of memory. */
int db_init(const char *conninfo, unsigned statement_timeout_ms);
/* Closes this thread's connection (if any). */
void db_thread_close(void);
/* Closes every connection and forgets the conninfo. Nothing may run a statement during it. */
void db_shutdown(void);

/* Runs a prepared statement on this thread's connection with params[0..nparams) (NULL: SQL
 * NULL), reconnecting once when the connection was lost. On IASC_OK *rows holds the result,
 * which the caller frees with db_rows_free; on any other result *rows is NULL.
 * IASC_UNAVAILABLE when the database can't be reached or timed out, IASC_CONFLICT for a
 * unique violation, IASC_INTERNAL for any other SQL error (logged). */
enum iasc_result db_exec(enum stmt_id id, const char *const *params, struct db_rows **rows);

/* Rows in a result (0 for NULL). */
int db_rows_count(const struct db_rows *r);
/* The text of a cell ("" for SQL NULL), valid until db_rows_free. */
const char *db_value(const struct db_rows *r, int row, int col);
/* Its length in bytes. */
size_t db_length(const struct db_rows *r, int row, int col);
/* True when the cell is SQL NULL. */
bool db_is_null(const struct db_rows *r, int row, int col);
/* Frees a result; NULL is ignored. */
void db_rows_free(struct db_rows *r);

/* True when the database answers a trivial query now. */
bool db_ready(void);

/* True when pid is the server process of one of this process's pool connections (a
 * notification from it reports a write this process made itself). Thread-safe. */
bool db_own_backend(int pid);

#endif
