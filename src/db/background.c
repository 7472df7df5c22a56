/* background.c: LISTEN for changes and run the publication job, on a connection of its own
 * (never one of the workers'), reconnecting with backoff. */
#include "iasc/background.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iasc/bootstrap.h"
#include "iasc/clock.h"
#include "iasc/db.h"
#include "iasc/log.h"
#include "iasc/metrics.h"
#include "internal.h"

#define TICK_MS 1000

static pthread_t thread;
static int stop_pipe[2] = {-1, -1};
static background_change_fn change_fn;
static background_next_change_fn next_fn;
static bool started;

static bool exec_simple(PGconn *c, const char *sql) {
  bool timed_out;
  PGresult *r = db_exec_until(c, sql, db_deadline(), &timed_out);
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    LOG_WARN("background", "%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

/* Sleeps up to ms; returns true when asked to stop. */
static bool wait_stop(int ms) {
  struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};
  return poll(&p, 1, ms) > 0;
}

/* True for a change another process made (ours were handled when made); counted. */
static bool foreign(const PGnotify *note) {
  if (db_own_backend(note->be_pid))
    return false;
  metrics_count(METRIC_INVALIDATIONS_NOTIFY);
  return true;
}

/* One run of the publication job; *foreign_came: another writer's change was announced
 * while it ran (its snapshot may predate that change). False when the database did not
 * answer in time. */
static bool publish_job(PGconn *c, bool *foreign_came) {
  bool timed_out;
  long long asked_us = clock_now_us();
  PGresult *r = db_exec_until(c,
                              "SELECT iasc_publish_due(), coalesce(floor(extract(epoch FROM"
                              " iasc_next_scheduled_change())), 0)::bigint",
                              db_deadline(), &timed_out);
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    if (strcmp(PQgetvalue(r, 0, 0), "0") != 0)
      LOG_INFO("background", "published %s scheduled item(s)", PQgetvalue(r, 0, 0));
    if (next_fn)
      next_fn(strtoll(PQgetvalue(r, 0, 1), NULL, 10), asked_us);
  } else {
    LOG_WARN("background", "publish job: %s", PQresultErrorMessage(r));
  }
  PQclear(r);
  /* What was queued while the query ran (our own publishing included) is handled now. */
  PGnotify *note;
  *foreign_came = false;
  while ((note = PQnotifies(c)) != NULL) {
    *foreign_came = foreign(note) || *foreign_came;
    PQfreemem(note);
  }
  return !timed_out;
}

/* Records scheduled items that went live, learns the next scheduled change, and then, when
 * something changed, tells the server (in that order: answers cached after the invalidation
 * must already be cut to the new next change). False when the database did not answer in
 * time: the connection is then in an unknown state. */
static bool tick(PGconn *c, bool changed) {
  /* Another writer's change announced during the job may be missing from the next change it
   * learned: ask again (a NOTIFY comes after its commit, so a new snapshot has it). */
  bool foreign_came = false, ok = true;
  for (int tries = 0; ok && tries < 3; tries++) {
    ok = publish_job(c, &foreign_came);
    changed = changed || foreign_came;
    if (!foreign_came)
      break;
  }
  if (changed && change_fn)
    change_fn();
  return ok;
}

/* Connects, listens and catches up (notifications sent while away are lost: everything
 * cached is dropped). NULL when the database is not there, after waiting the backoff; *stop
 * when asked to stop meanwhile. */
static PGconn *listen_again(int *backoff_ms, bool *stop) {
  PGconn *c = bootstrap_ensure() ? db_connect_direct() : NULL;
  if (c != NULL && exec_simple(c, "LISTEN iasc_changes") && tick(c, true)) {
    *backoff_ms = 250;
    return c;
  }
  if (c != NULL)
    PQfinish(c);
  *stop = wait_stop(*backoff_ms);
  *backoff_ms = *backoff_ms < 8000 ? *backoff_ms * 2 : 8000;
  return NULL;
}

/* Reads what arrived. A write of this process was handled when it was made (the write
 * hook): only other writers' changes count. False when the connection broke. */
static bool read_notes(PGconn *c, bool *changed) {
  if (!PQconsumeInput(c)) {
    LOG_WARN("background", "lost the database connection: %s", PQerrorMessage(c));
    return false;
  }
  PGnotify *note;
  while ((note = PQnotifies(c)) != NULL) {
    *changed = foreign(note) || *changed;
    PQfreemem(note);
  }
  return true;
}

static void *run(void *arg) {
  (void)arg;
  PGconn *c = NULL;
  int backoff_ms = 250;
  bool stop = false;
  struct timespec last = {0}, now;
  while (!stop) {
    if (c == NULL && (c = listen_again(&backoff_ms, &stop)) == NULL)
      continue;
    struct pollfd p[2] = {{.fd = PQsocket(c), .events = POLLIN},
                          {.fd = stop_pipe[0], .events = POLLIN}};
    int n = poll(p, 2, TICK_MS);
    if (n > 0 && (p[1].revents & POLLIN))
      break;
    bool changed = false, alive = true;
    if (n > 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP)))
      alive = read_notes(c, &changed);
    clock_gettime(CLOCK_MONOTONIC, &now);
    /* At every change, and at least once a second. */
    if (alive && (changed || now.tv_sec != last.tv_sec)) {
      last = now;
      if (!(alive = tick(c, changed)))
        LOG_WARN("background", "the database did not answer in time; reconnecting");
    }
    if (!alive || PQstatus(c) != CONNECTION_OK) {
      PQfinish(c);
      c = NULL;
    }
  }
  if (c != NULL)
    PQfinish(c);
  return NULL;
}

int background_start(background_change_fn on_change, background_next_change_fn on_next) {
  change_fn = on_change;
  next_fn = on_next;
  if (pipe(stop_pipe) != 0 || pthread_create(&thread, NULL, run, NULL) != 0) {
    LOG_ERROR("background", "cannot start the background thread");
    return -1;
  }
  started = true;
  return 0;
}

void background_stop(void) {
  if (!started)
    return;
  ssize_t w = write(stop_pipe[1], "x", 1);
  (void)w;
  pthread_join(thread, NULL);
  close(stop_pipe[0]);
  close(stop_pipe[1]);
  started = false;
}
