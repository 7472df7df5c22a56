/* pool.c: one PostgreSQL connection per database worker thread (made lazily, remade after a
 * loss), with every statement of STATEMENTS prepared on first use on that connection, and
 * every call bounded by a deadline (wait.c). */
#include "iasc/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iasc/clock.h"
#include "iasc/log.h"
#include "iasc/metrics.h"
#include "internal.h"

static char *g_conninfo;
static unsigned g_statement_timeout_ms = 5000;

struct thread_conn {
  PGconn *conn;
  unsigned char prepared[STMT_COUNT];
};

static _Thread_local struct thread_conn tc;

/* Every live connection, so that shutdown can close them. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static PGconn *registry[512];
static int registry_pid[512]; /* the server process of each, for db_own_backend */

static void registry_set(PGconn *old, PGconn *new) {
  pthread_mutex_lock(&registry_lock);
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
    if (registry[i] == old) {
      registry[i] = new;
      registry_pid[i] = new != NULL ? PQbackendPID(new) : 0;
      break;
    }
  }
  pthread_mutex_unlock(&registry_lock);
}

bool db_own_backend(int pid) {
  bool own = false;
  pthread_mutex_lock(&registry_lock);
  for (size_t i = 0; i < sizeof registry / sizeof registry[0] && !own; i++)
    own = registry[i] != NULL && registry_pid[i] == pid;
  pthread_mutex_unlock(&registry_lock);
  return own;
}

int db_init(const char *conninfo, unsigned statement_timeout_ms) {
  free(g_conninfo);
  g_conninfo = strdup(conninfo);
  g_statement_timeout_ms = statement_timeout_ms;
  return g_conninfo ? 0 : -1;
}

/* Server notices (e.g. "already exists, skipping") go to the log, not raw to stderr. */
unsigned db_statement_timeout_ms(void) {
  return g_statement_timeout_ms;
}

PGconn *db_connect_direct(void) {
  return db_connect_until(g_conninfo, g_statement_timeout_ms, db_deadline());
}

static void drop_conn(void);

/* Makes sure this thread has a connection by the deadline. False when the database is out
 * of reach. */
static bool ensure_conn(long long deadline) {
  if (tc.conn != NULL && PQstatus(tc.conn) == CONNECTION_OK)
    return true;
  drop_conn();
  tc.conn = db_connect_until(g_conninfo, g_statement_timeout_ms, deadline);
  if (tc.conn == NULL)
    return false;
  registry_set(NULL, tc.conn);
  return true;
}

static void drop_conn(void) {
  if (tc.conn != NULL) {
    registry_set(tc.conn, NULL);
    PQfinish(tc.conn);
    tc.conn = NULL;
  }
  memset(tc.prepared, 0, sizeof tc.prepared);
}

void db_thread_close(void) {
  drop_conn();
}

void db_shutdown(void) {
  pthread_mutex_lock(&registry_lock);
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
    if (registry[i] != NULL) {
      PQfinish(registry[i]);
      registry[i] = NULL;
    }
  }
  pthread_mutex_unlock(&registry_lock);
  free(g_conninfo);
  g_conninfo = NULL;
}

/* True for statements that change something: never sent twice when the first attempt's
 * outcome is unknown. */
static bool is_write(enum stmt_id id) {
  return id == STMT_WRITE || id == STMT_TOKEN_TOUCH || id == STMT_TOKEN_CREATE ||
         id == STMT_TOKEN_REVOKE || id == STMT_PUBLISH_DUE;
}

static enum iasc_result failure(PGresult *r, const char *name);

/* Prepares id on this thread's connection once. IASC_OK, or the failure classified as for a
 * statement (a PREPARE waiting on a lock until the statement timeout is IASC_UNAVAILABLE),
 * or IASC_UNAVAILABLE when it got no answer by the deadline or the connection broke. */
static enum iasc_result prepare(enum stmt_id id, long long deadline) {
  if (tc.prepared[id])
    return IASC_OK;
  const struct statement *s = &STATEMENTS[id];
  bool timed_out = false;
  PGresult *r = PQsendPrepare(tc.conn, s->name, s->sql, s->nparams, NULL)
                    ? db_result_until(tc.conn, deadline, &timed_out)
                    : NULL;
  enum iasc_result res = IASC_OK;
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    res = r == NULL || timed_out || PQstatus(tc.conn) != CONNECTION_OK ? IASC_UNAVAILABLE
                                                                       : failure(r, s->name);
  PQclear(r);
  tc.prepared[id] = res == IASC_OK;
  return res;
}

/* Classifies a failed result. */
static enum iasc_result failure(PGresult *r, const char *name) {
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  if (state == NULL || strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
      strcmp(state, "53300") == 0) {
    /* connection problems, shutdown, statement timeout (57014), too many connections */
    LOG_WARN("db", "%s unavailable: %s", name, PQresultErrorMessage(r));
    return IASC_UNAVAILABLE;
  }
  if (strcmp(state, "23505") == 0)
    return IASC_CONFLICT;
  if (strncmp(state, "22", 2) == 0) {
    /* Data exceptions: input the validators let through. Not the server's fault: 400. */
    LOG_WARN("db", "%s refused a value (%s): %s", name, state, PQresultErrorMessage(r));
    return IASC_INVALID_PARAMETER;
  }
  LOG_ERROR("db", "%s failed (%s): %s", name, state, PQresultErrorMessage(r));
  return IASC_INTERNAL;
}

/* What one attempt came to. */
enum attempt { DONE, RETRY, FAILED };

/* Sends id once and waits for its result by the deadline. On DONE *res is the result
 * (success, or a failure already classified in *out). RETRY: nothing ran, try again. */
static enum attempt attempt_once(enum stmt_id id, const char *const *params, long long deadline,
                                 PGresult **res, enum iasc_result *out) {
  const struct statement *s = &STATEMENTS[id];
  *res = NULL;
  if (!ensure_conn(deadline))
    return *out = IASC_UNAVAILABLE, FAILED;
  enum iasc_result prepared = prepare(id, deadline);
  if (prepared != IASC_OK) {
    bool lost = PQstatus(tc.conn) != CONNECTION_OK || clock_now_ms() >= deadline;
    drop_conn();
    return lost ? RETRY : (*out = prepared, FAILED);
  }
  if (!PQsendQueryPrepared(tc.conn, s->name, s->nparams, params, NULL, NULL, 0)) {
    drop_conn(); /* nothing was sent */
    return RETRY;
  }
  bool timed_out = false;
  PGresult *r = db_result_until(tc.conn, deadline, &timed_out);
  ExecStatusType st = PQresultStatus(r);
  if (r != NULL && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)) {
    *res = r;
    return *out = IASC_OK, DONE;
  }
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (r != NULL && state != NULL && strcmp(state, "26000") == 0) {
    PQclear(r); /* the prepared statement vanished: it did not run */
    memset(tc.prepared, 0, sizeof tc.prepared);
    return RETRY;
  }
  if (r == NULL || PQstatus(tc.conn) != CONNECTION_OK) {
    /* Timed out or the connection broke: the outcome is unknown. */
    LOG_WARN("db", "%s: %s", s->name, timed_out ? "no answer by the deadline" : "connection lost");
    PQclear(r);
    drop_conn();
    return is_write(id) ? (*out = IASC_UNAVAILABLE, FAILED) : RETRY;
  }
  *out = failure(r, s->name);
  PQclear(r);
  if (PQtransactionStatus(tc.conn) != PQTRANS_IDLE)
    drop_conn();
  return FAILED;
}

enum iasc_result db_exec(enum stmt_id id, const char *const *params, struct db_rows **rows) {
  PGresult **out = (PGresult **)rows;
  long long deadline = db_deadline();
  enum iasc_result res = IASC_UNAVAILABLE;
  *out = NULL;
  for (int attempt = 0; attempt < 2 && clock_now_ms() < deadline; attempt++) {
    enum attempt a = attempt_once(id, params, deadline, out, &res);
    if (a != RETRY)
      break;
    res = IASC_UNAVAILABLE;
  }
  if (res == IASC_UNAVAILABLE)
    metrics_count(METRIC_DB_UNAVAILABLE);
  else if (res == IASC_INTERNAL)
    metrics_count(METRIC_DB_FAILED);
  return res;
}

bool db_ready(void) {
  struct db_rows *r = NULL;
  enum iasc_result res = db_exec(STMT_PING, NULL, &r);
  db_rows_free(r);
  return res == IASC_OK;
}

/* struct db_rows is a PGresult under another name: callers above src/db never see libpq. */
static const PGresult *pg(const struct db_rows *r) {
  return (const PGresult *)r;
}

int db_rows_count(const struct db_rows *r) {
  return r != NULL ? PQntuples(pg(r)) : 0;
}

const char *db_value(const struct db_rows *r, int row, int col) {
  return PQgetvalue(pg(r), row, col);
}

size_t db_length(const struct db_rows *r, int row, int col) {
  return (size_t)PQgetlength(pg(r), row, col);
}

bool db_is_null(const struct db_rows *r, int row, int col) {
  return PQgetisnull(pg(r), row, col) != 0;
}

void db_rows_free(struct db_rows *r) {
  PQclear((PGresult *)r);
}
