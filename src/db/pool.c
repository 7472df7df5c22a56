/* pool.c: one PostgreSQL connection per database worker thread (made lazily, remade after a
 * loss), with every variant of a statement of STATEMENTS (variant.h: one per set of given
 * optional parameters) prepared on first use on that connection, and every call bounded by a
 * deadline (wait.c). */
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
#include "variant.h"

static char *g_conninfo;
static unsigned g_statement_timeout_ms = 5000;

struct thread_conn {
  PGconn *conn;
  unsigned long long prepared[STMT_COUNT]; /* bit v: variant v is prepared */
};

/* What this thread knows of each variant (kept across reconnects): the parameters it binds.
 * Resolving a template at every call cost 4% of a list request. */
struct variant_info {
  unsigned long long known[STMT_COUNT]; /* bit v: bound[][v] is set */
  unsigned bound[STMT_COUNT][1 << STATEMENT_MAX_OPTIONAL];
};

static _Thread_local struct variant_info tv;

/* The optional parameters of each statement (variant_optional), found once. */
static unsigned g_optional[STMT_COUNT];
static pthread_once_t g_optional_once = PTHREAD_ONCE_INIT;

static void find_optional(void) {
  for (int i = 0; i < STMT_COUNT; i++)
    g_optional[i] = variant_optional(STATEMENTS[i].sql);
}

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

/* One execution of a statement: the variant its given parameters select, under its prepared
 * name, and the parameters that variant binds. */
struct call {
  enum stmt_id id;
  unsigned given;   /* bit n-1: $n is not NULL */
  unsigned variant; /* variant_index */
  unsigned bound;   /* the parameters the variant references, bound in the order of n */
  char name[80];    /* the statement's name; variants other than 0 add ".<variant>" */
  const char *params[32];
  int nparams;
};

/* Picks the variant for params (the statement's full parameter list) and the parameters it
 * binds. */
static void call_init(struct call *c, enum stmt_id id, const char *const *params) {
  const struct statement *s = &STATEMENTS[id];
  c->id = id;
  c->given = 0;
  for (int i = 0; i < s->nparams && i < 32; i++)
    if (params[i] != NULL)
      c->given |= 1u << i;
  pthread_once(&g_optional_once, find_optional);
  c->variant = variant_index(g_optional[id], c->given);
  if (!(tv.known[id] & (1ull << c->variant))) {
    tv.bound[id][c->variant] = variant_resolve(s->sql, c->given, true, NULL);
    tv.known[id] |= 1ull << c->variant;
  }
  c->bound = tv.bound[id][c->variant];
  if (c->variant == 0)
    snprintf(c->name, sizeof c->name, "%s", s->name);
  else
    snprintf(c->name, sizeof c->name, "%s.%u", s->name, c->variant);
  c->nparams = 0;
  for (int i = 0; i < s->nparams && i < 32; i++)
    if (c->bound & (1u << i))
      c->params[c->nparams++] = params[i];
}

/* Prepares c's variant on this thread's connection once. IASC_OK, or the failure classified
 * as for a statement (a PREPARE waiting on a lock until the statement timeout is
 * IASC_UNAVAILABLE), or IASC_UNAVAILABLE when it got no answer by the deadline or the
 * connection broke. */
static enum iasc_result prepare(const struct call *c, long long deadline) {
  if (tc.prepared[c->id] & (1ull << c->variant))
    return IASC_OK;
  struct buf sql = {0};
  variant_resolve(STATEMENTS[c->id].sql, c->given, true, &sql);
  bool timed_out = false;
  PGresult *r = !sql.failed && PQsendPrepare(tc.conn, c->name, sql.data, c->nparams, NULL)
                    ? db_result_until(tc.conn, deadline, &timed_out)
                    : NULL;
  buf_free(&sql);
  enum iasc_result res = IASC_OK;
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    res = r == NULL || timed_out || PQstatus(tc.conn) != CONNECTION_OK ? IASC_UNAVAILABLE
                                                                       : failure(r, c->name);
  PQclear(r);
  if (res == IASC_OK)
    tc.prepared[c->id] |= 1ull << c->variant;
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
static enum attempt attempt_once(const struct call *c, long long deadline, PGresult **res,
                                 enum iasc_result *out) {
  *res = NULL;
  if (!ensure_conn(deadline))
    return *out = IASC_UNAVAILABLE, FAILED;
  enum iasc_result prepared = prepare(c, deadline);
  if (prepared != IASC_OK) {
    bool lost = PQstatus(tc.conn) != CONNECTION_OK || clock_now_ms() >= deadline;
    drop_conn();
    return lost ? RETRY : (*out = prepared, FAILED);
  }
  if (!PQsendQueryPrepared(tc.conn, c->name, c->nparams, c->params, NULL, NULL, 0)) {
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
    LOG_WARN("db", "%s: %s", c->name, timed_out ? "no answer by the deadline" : "connection lost");
    PQclear(r);
    drop_conn();
    return is_write(c->id) ? (*out = IASC_UNAVAILABLE, FAILED) : RETRY;
  }
  *out = failure(r, c->name);
  PQclear(r);
  if (PQtransactionStatus(tc.conn) != PQTRANS_IDLE)
    drop_conn();
  return FAILED;
}

enum iasc_result db_exec(enum stmt_id id, const char *const *params, struct db_rows **rows) {
  PGresult **out = (PGresult **)rows;
  long long deadline = db_deadline();
  enum iasc_result res = IASC_UNAVAILABLE;
  struct call c;
  call_init(&c, id, params);
  *out = NULL;
  for (int attempt = 0; attempt < 2 && clock_now_ms() < deadline; attempt++) {
    enum attempt a = attempt_once(&c, deadline, out, &res);
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
