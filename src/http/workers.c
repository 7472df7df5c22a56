/* workers.c: the database workers (see workers.h): a FIFO under one mutex, N threads. */
#include "workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "iasc/clock.h"
#include "iasc/db.h"
#include "iasc/log.h"
#include "iasc/metrics.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool stopping;
static pthread_t *threads;
static unsigned nthreads;
static long long timeout_ms;
static pthread_t reaper;
static bool reaper_started;
static atomic_uint busy, waiting; /* for workers_stats */

/* The next job, waiting for one; NULL when stopping and nothing is left. */
static struct job *take(void) {
  pthread_mutex_lock(&lock);
  while (head == NULL && !stopping)
    pthread_cond_wait(&ready, &lock);
  struct job *j = head;
  if (j != NULL && (head = j->next) == NULL)
    tail = NULL;
  if (j != NULL)
    atomic_fetch_sub(&waiting, 1);
  pthread_mutex_unlock(&lock);
  return j;
}

/* Runs a job taken off the queue; one that waited too long is counted. */
static void run_job(struct job *j, bool expired) {
  if (expired)
    metrics_count(METRIC_QUEUE_TIMEOUTS);
  j->run(j, expired);
}

static void *run(void *arg) {
  (void)arg;
  struct job *j;
  while ((j = take()) != NULL) {
    atomic_fetch_add(&busy, 1);
    run_job(j, clock_now_ms() - j->queued_ms > timeout_ms);
    atomic_fetch_sub(&busy, 1);
  }
  db_thread_close();
  return NULL;
}

/* The oldest job when it has waited past the timeout (the queue is in arrival order). */
static struct job *take_expired(void) {
  pthread_mutex_lock(&lock);
  struct job *j = head;
  if (j != NULL && clock_now_ms() - j->queued_ms > timeout_ms) {
    if ((head = j->next) == NULL)
      tail = NULL;
    atomic_fetch_sub(&waiting, 1);
  } else {
    j = NULL;
  }
  pthread_mutex_unlock(&lock);
  return j;
}

/* Answers the jobs that waited too long (503) when every worker is busy, every 50 ms. */
static void *reap(void *arg) {
  (void)arg;
  struct timespec pause = {0, 50 * 1000 * 1000};
  for (;;) {
    pthread_mutex_lock(&lock);
    bool stop = stopping;
    pthread_mutex_unlock(&lock);
    if (stop)
      return NULL;
    struct job *j;
    while ((j = take_expired()) != NULL)
      run_job(j, true);
    nanosleep(&pause, NULL);
  }
}

int workers_start(unsigned n, unsigned queue_timeout_ms) {
  threads = calloc(n, sizeof *threads);
  if (threads == NULL)
    return -1;
  timeout_ms = queue_timeout_ms;
  stopping = false;
  if (pthread_create(&reaper, NULL, reap, NULL) != 0) {
    free(threads);
    return -1;
  }
  reaper_started = true;
  for (nthreads = 0; nthreads < n; nthreads++) {
    if (pthread_create(&threads[nthreads], NULL, run, NULL) != 0) {
      LOG_ERROR("workers", "cannot start database worker %u", nthreads);
      workers_stop();
      return -1;
    }
  }
  return 0;
}

bool workers_submit(struct job *job) {
  job->queued_ms = clock_now_ms();
  job->next = NULL;
  pthread_mutex_lock(&lock);
  bool ok = !stopping;
  if (ok) {
    if (tail != NULL)
      tail->next = job;
    else
      head = job;
    tail = job;
    atomic_fetch_add(&waiting, 1);
    pthread_cond_signal(&ready);
  }
  pthread_mutex_unlock(&lock);
  return ok;
}

void workers_stop(void) {
  pthread_mutex_lock(&lock);
  stopping = true;
  pthread_cond_broadcast(&ready);
  pthread_mutex_unlock(&lock);
  for (unsigned i = 0; i < nthreads; i++)
    pthread_join(threads[i], NULL);
  if (reaper_started)
    pthread_join(reaper, NULL);
  reaper_started = false;
  free(threads);
  threads = NULL;
  nthreads = 0;
}

void workers_stats(unsigned *size, unsigned *nbusy, unsigned *nwaiting) {
  pthread_mutex_lock(&lock);
  *size = nthreads;
  pthread_mutex_unlock(&lock);
  *nbusy = atomic_load(&busy);
  *nwaiting = atomic_load(&waiting);
}
