/* workers.h: private to src/http: the database workers. HTTP threads never wait on the
 * database: a request that needs it is suspended and queued here, run by one of N threads
 * (each with its own PostgreSQL connection, src/db/pool.c), and resumed when answered. */
#ifndef IASC_HTTP_WORKERS_H
#define IASC_HTTP_WORKERS_H

#include <stdbool.h>

struct job;
typedef void (*job_fn)(struct job *job, bool expired);

/* A queued piece of work. run is called on a worker thread, with expired true when the job
 * waited longer than the queue timeout (it must then answer without the database). */
struct job {
  job_fn run;
  long long queued_ms; /* set by workers_submit */
  struct job *next;
};

/* Starts n threads; jobs that wait longer than queue_timeout_ms run expired. 0 or -1. */
int workers_start(unsigned n, unsigned queue_timeout_ms);

/* Queues a job. False when the workers are stopping (the caller answers itself). */
bool workers_submit(struct job *job);

/* The pool now: its threads, those running a job, and the jobs waiting for one. */
void workers_stats(unsigned *size, unsigned *busy, unsigned *waiting);

/* Runs what is queued, then stops and joins the threads (each closes its connection). */
void workers_stop(void);

#endif
