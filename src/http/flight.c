/* flight.c: coalescing of identical cache misses (see flight.h).
 *
 * Flights sit in one list behind one mutex: those in progress (never more than the worker
 * threads: each request blocks its thread while it leads or waits), and ended ones that
 * linger with their answer for the requests that arrived while they flew but waited in the
 * workers' queue (at most the queue timeout). The lock is taken only on a cache miss. A
 * flight is freed by whoever drops its last reference: the list (when it stops lingering), or
 * the last waiter to wake after that; its answer goes with it. */
#include "flight.h"

#include "conditional.h"
#include "iasc/clock.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct flight {
  char *key;
  uint64_t hash; /* of key: most comparisons stop at it */
  uint64_t generation;
  bool done;
  long long ended_us;         /* when done: the end, CLOCK_MONOTONIC microseconds */
  struct cache_entry *answer; /* the leader's, once done (the flight's reference) */
  unsigned refs;              /* the list's, and one per waiting request */
  pthread_cond_t landed;
  struct flight *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flight *flights; /* in progress, then lingering */
static long long linger_ms;    /* how long an ended flight keeps its answer */

void flight_configure(unsigned linger) {
  pthread_mutex_lock(&lock);
  linger_ms = linger;
  pthread_mutex_unlock(&lock);
}

static void flight_free(struct flight *f) {
  cache_release(f->answer);
  pthread_cond_destroy(&f->landed);
  free(f->key);
  free(f);
}

static void drop_ref(struct flight *f) {
  if (--f->refs == 0)
    flight_free(f);
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
  f->hash = conditional_hash64(key, strlen(key));
  f->generation = generation;
  f->refs = 1;
  return f;
}

/* Takes out of the list (lock held) the ended flights that have lingered long enough, those
 * an ended flight of the same key and generation replaced (newest), and those past the
 * FLIGHT_LINGER_MAX newest: a request that finds none computes its own answer, so dropping one
 * early costs a query, never a wrong answer, and memory stays bounded whatever the traffic. */
static void sweep(long long now, const struct flight *newest) { /* now: microseconds */
  unsigned kept = 0;
  for (struct flight **p = &flights; *p != NULL;) {
    struct flight *f = *p;
    bool replaced = newest != NULL && f != newest && f->generation == newest->generation &&
                    f->hash == newest->hash && strcmp(f->key, newest->key) == 0;
    if (f->done &&
        (now - f->ended_us >= linger_ms * 1000 || replaced || ++kept > FLIGHT_LINGER_MAX)) {
      *p = f->next;
      drop_ref(f);
    } else {
      p = &f->next;
    }
  }
}

/* The flight a request of (key, generation) that arrived at arrived_us may join: one in
 * progress, or one that ended after the request arrived (lock held). Microseconds: with
 * milliseconds, a request sent right after an answer, within the same millisecond, took
 * that answer again, as if from a cache, with the cache off. */
static struct flight *find(const char *key, uint64_t generation, long long arrived_us) {
  uint64_t hash = conditional_hash64(key, strlen(key));
  for (struct flight *f = flights; f != NULL; f = f->next)
    if (f->hash == hash && f->generation == generation && (!f->done || f->ended_us > arrived_us) &&
        strcmp(f->key, key) == 0)
      return f;
  return NULL;
}

static struct timespec deadline_in(unsigned ms) {
  struct timespec d;
  clock_gettime(CLOCK_MONOTONIC, &d);
  d.tv_sec += ms / 1000;
  d.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (d.tv_nsec >= 1000000000L) {
    d.tv_sec++;
    d.tv_nsec -= 1000000000L;
  }
  return d;
}

struct flight *flight_begin(const char *key, uint64_t generation, long long arrived_us,
                            unsigned timeout_ms, struct cache_entry **answer) {
  *answer = NULL;
  pthread_mutex_lock(&lock);
  sweep(clock_now_us(), NULL);
  struct flight *f = find(key, generation, arrived_us);
  if (f == NULL) {
    f = flight_new(key, generation);
    if (f != NULL) {
      f->next = flights;
      flights = f;
    }
    pthread_mutex_unlock(&lock);
    return f;
  }
  struct timespec deadline = deadline_in(timeout_ms);
  f->refs++;
  while (!f->done)
    if (pthread_cond_timedwait(&f->landed, &lock, &deadline) != 0) /* timed out */
      break;
  if (f->done)
    *answer = cache_retain(f->answer);
  drop_ref(f);
  pthread_mutex_unlock(&lock);
  return NULL;
}

void flight_end(struct flight *f, struct cache_entry *answer) {
  if (f == NULL)
    return;
  pthread_mutex_lock(&lock);
  f->answer = cache_retain(answer);
  f->done = true;
  f->ended_us = clock_now_us();
  pthread_cond_broadcast(&f->landed);
  /* Ended flights move to the end of the list, so that the FLIGHT_LINGER_MAX kept are the newest;
   * with no linger, this one leaves at once. */
  for (struct flight **p = &flights; *p != NULL; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      break;
    }
  struct flight **tail = &flights;
  while (*tail != NULL && !(*tail)->done)
    tail = &(*tail)->next;
  f->next = *tail;
  *tail = f;
  sweep(f->ended_us, f);
  pthread_mutex_unlock(&lock);
}

void flight_shutdown(void) {
  pthread_mutex_lock(&lock);
  for (struct flight *f = flights, *next; f != NULL; f = next) {
    next = f->next;
    f->done = true; /* (nothing is in flight at shutdown) */
    drop_ref(f);
  }
  flights = NULL;
  pthread_mutex_unlock(&lock);
}
