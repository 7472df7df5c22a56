/* flight.c: coalescing of identical cache misses (see flight.h).
 *
 * Flights in progress sit in one list behind one mutex: there are never more than the worker
 * threads (each request blocks its thread while it leads or waits), and the lock is taken only
 * on a cache miss. A flight is freed by whoever drops its last reference: the leader at
 * flight_end, or the last waiter to wake after it. */
#include "flight.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct flight {
  char *key;
  uint64_t generation;
  bool done;
  unsigned refs; /* the leader's, until flight_end, and one per waiting request */
  pthread_cond_t landed;
  struct flight *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flight *flights; /* in progress */

static void flight_free(struct flight *f) {
  pthread_cond_destroy(&f->landed);
  free(f->key);
  free(f);
}

static struct flight *flight_new(const char *key, uint64_t generation) {
  struct flight *f = calloc(1, sizeof *f);
  if (f == NULL)
    return NULL;
  f->key = strdup(key);
  pthread_condattr_t attr;
  bool cond_ok = false;
  if (f->key != NULL && pthread_condattr_init(&attr) == 0) {
    cond_ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&f->landed, &attr) == 0;
    pthread_condattr_destroy(&attr);
  }
  if (!cond_ok) {
    free(f->key);
    free(f);
    return NULL;
  }
  f->generation = generation;
  f->refs = 1;
  return f;
}

struct flight *flight_begin(const char *key, uint64_t generation, unsigned timeout_ms) {
  pthread_mutex_lock(&lock);
  struct flight *f = flights;
  while (f != NULL && (f->generation != generation || strcmp(f->key, key) != 0))
    f = f->next;
  if (f == NULL) {
    f = flight_new(key, generation);
    if (f != NULL) {
      f->next = flights;
      flights = f;
    }
    pthread_mutex_unlock(&lock);
    return f;
  }
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  f->refs++;
  while (!f->done)
    if (pthread_cond_timedwait(&f->landed, &lock, &deadline) != 0) /* timed out */
      break;
  if (--f->refs == 0) /* the leader has ended it: it is out of the list */
    flight_free(f);
  pthread_mutex_unlock(&lock);
  return NULL;
}

void flight_end(struct flight *f) {
  if (f == NULL)
    return;
  pthread_mutex_lock(&lock);
  for (struct flight **p = &flights; *p != NULL; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      break;
    }
  f->done = true;
  pthread_cond_broadcast(&f->landed);
  if (--f->refs == 0)
    flight_free(f);
  pthread_mutex_unlock(&lock);
}
