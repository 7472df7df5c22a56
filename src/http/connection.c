/* connection.c: the only file that speaks libmicrohttpd's request API. It keeps one struct
 * call per request, from the request line (uri_logged) to completion (completed), feeds the
 * pipeline's stages at libmicrohttpd's calls of the access handler, reads the body into at
 * most IASC_MAX_BODY_BYTES, and hands the answer to libmicrohttpd without copying it: a
 * cached answer is sent from the cache entry itself, which is released when sent. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <limits.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "connection.h"
#include "iasc/buf.h"
#include "iasc/clock.h"
#include "internal.h"
#include "workers.h"

static atomic_uint in_flight; /* requests between their request line and completion */

unsigned connection_in_flight(void) {
  return atomic_load(&in_flight);
}

/* Header values a lookup had to join (a header sent more than once), freed with the call. */
#define MAX_JOINED 8

/* Where a request is. A request that needs the database is suspended (libmicrohttpd stops
 * polling it) while a worker runs its job, and resumed when the job is done; libmicrohttpd
 * then calls the access handler again in the same phase. */
enum phase {
  PH_NEW,       /* the headers are not seen yet */
  PH_AUTHORIZE, /* suspended: a worker looks the token up before the body */
  PH_BODY,      /* reading (or draining) the body */
  PH_ANSWER,    /* suspended: a worker computes the answer */
  PH_DONE,      /* the answer is queued */
};

struct call {
  struct exchange x;
  struct job job;
  struct MHD_Connection *conn;
  char *target; /* the request target as received: path and query */
  enum phase phase;
  bool started;       /* pipeline_build ran: x owns what it made */
  bool decided;       /* x.res is the answer, decided before the body */
  bool expect;        /* the client waits for 100 Continue */
  bool repeats;       /* some header name comes twice */
  long long begun_ms; /* when the request line came */
  long long length;   /* Content-Length, or -1 (none, or chunked) */
  bool watching;      /* the client half-closed: the idle timeout is down to a second */
  struct buf body;    /* the body, when the route reads it */
  size_t body_seen;   /* bytes of body received, read or not */
  char *joined[MAX_JOINED];
  size_t njoined;
};

struct join {
  const char *name;
  struct buf b;
  size_t count;
};

static enum MHD_Result join_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
  struct join *j = cls;
  (void)kind;
  if (key != NULL && strcasecmp(key, j->name) == 0) {
    if (j->count++ > 0)
      buf_puts(&j->b, ",");
    buf_puts(&j->b, value ? value : "");
  }
  return MHD_YES;
}

/* A request header by name, case-insensitive; a header sent several times reads as its
 * values joined by commas (RFC 9110 §5.3). */
static const char *header(const void *raw, const char *name) {
  struct call *c = (struct call *)raw;
  const char *first = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
  if (first == NULL || !c->repeats || c->njoined == MAX_JOINED)
    return first;
  struct join j = {.name = name};
  MHD_get_connection_values(c->conn, MHD_HEADER_KIND, join_value, &j);
  if (j.count < 2 || j.b.failed) {
    buf_free(&j.b);
    return first;
  }
  c->joined[c->njoined++] = buf_steal(&j.b);
  return c->joined[c->njoined - 1];
}

/* One pass over the headers, when they are in: the body's framing, and whether any header
 * name comes twice (only then does a look-up join values). */
#define SCAN_MAX_NAMES 64
struct framing_scan {
  const char *length;
  bool conflicting, chunked, repeats;
  const char *names[SCAN_MAX_NAMES];
  size_t nnames;
};

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value) {
  struct framing_scan *s = cls;
  (void)kind;
  if (key == NULL || value == NULL)
    return MHD_YES;
  for (size_t i = 0; i < s->nnames && !s->repeats; i++)
    s->repeats = strcasecmp(s->names[i], key) == 0;
  if (s->nnames < SCAN_MAX_NAMES)
    s->names[s->nnames++] = key;
  else
    s->repeats = true; /* too many to tell: join on look-up */
  if (strcasecmp(key, "Transfer-Encoding") == 0)
    s->chunked = true;
  else if (strcasecmp(key, "Content-Length") == 0) {
    s->conflicting = s->conflicting || (s->length != NULL && strcmp(s->length, value) != 0);
    s->length = value;
  }
  return MHD_YES;
}

/* What the headers say of the body: conflicting framing, or a length over the limit. */
static struct body_framing framing(struct call *c) {
  struct framing_scan s = {0};
  struct body_framing f = {.length = 0};
  MHD_get_connection_values(c->conn, MHD_HEADER_KIND, scan_framing, &s);
  c->repeats = s.repeats;
  f.conflicting = s.conflicting || (s.chunked && s.length != NULL);
  if (s.length != NULL) {
    char *end;
    unsigned long long n = strtoull(s.length, &end, 10);
    f.too_large = n > c->x.cfg->max_body_bytes;
    f.length = n > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)n;
  }
  f.length = s.chunked ? -1 : f.length;
  return f;
}

static void add_header(void *ctx, const char *name, const char *value) {
  MHD_add_response_header(ctx, name, value);
}

static void release_entry(void *cls) {
  cache_release(cls);
}

/* Hands the answer to libmicrohttpd. The body is not copied: the buffer goes with a free
 * callback (the response's malloc'd body, a gzip coding made for this request, or a
 * reference to the cache entry). */
static enum MHD_Result hand_back(struct call *c) {
  struct exchange *x = &c->x;
  struct wire w = {0};
  respond_prepare(x, &w);
  void *body = w.len > 0 ? (void *)w.body : NULL;
  MHD_ContentReaderFreeCallback done = NULL;
  void *done_cls = NULL;
  if (body != NULL && body == w.tmp.data)
    done = free, done_cls = body;
  else if (body != NULL && body == x->res.body)
    done = free, done_cls = body;
  else if (body != NULL)
    done = release_entry, done_cls = x->entry;
  struct MHD_Response *r =
      MHD_create_response_from_buffer_with_free_callback_cls(w.len, body, done, done_cls);
  if (r == NULL) {
    buf_free(&w.tmp);
    return MHD_NO;
  }
  /* The buffer is the response's now. */
  if (done_cls == w.tmp.data && body != NULL)
    w.tmp = (struct buf){0};
  else if (done_cls == x->res.body && body != NULL)
    x->res.body = NULL;
  respond_headers(x, &w, add_header, r);
  if (done == release_entry)
    x->entry = NULL;
  if (x->close)
    MHD_add_response_header(r, "Connection", "close");
  c->phase = PH_DONE;
  enum MHD_Result ok = MHD_queue_response(c->conn, (unsigned)w.status, r);
  MHD_destroy_response(r);
  buf_free(&w.tmp);
  return ok;
}

/* The job of a suspended request, on a database worker: its phase's work, then resume. */
static void work(struct job *job, bool expired) {
  struct call *c = (struct call *)((char *)job - offsetof(struct call, job));
  if (c->phase == PH_AUTHORIZE && expired)
    http_problem(&c->x.req, &c->x.res, IASC_UNAVAILABLE, NULL,
                 "The server is busy; try again shortly.");
  else if (c->phase == PH_AUTHORIZE)
    routing_authorize(&c->x);
  else
    pipeline_answer_worker(&c->x, expired);
  MHD_resume_connection(c->conn);
}

/* Suspends the request and queues its job; false when the workers are stopping. */
static bool suspend(struct call *c, enum phase phase) {
  c->phase = phase;
  c->job.run = work;
  MHD_suspend_connection(c->conn);
  if (workers_submit(&c->job))
    return true;
  MHD_resume_connection(c->conn);
  return false;
}

/* A client that sends part of a body and half-closes its side would keep the connection until
 * the idle timeout: libmicrohttpd 0.9.75 reads data and end-of-stream in one recv and never
 * looks again (connection.c's read path clears read-readiness on a short read). When the
 * socket says end-of-stream while the body is incomplete, the idle timeout goes down to a
 * second: what libmicrohttpd still holds arrives at once, anything else never will. */
static void watch_half_close(struct call *c) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  char b;
  if (c->watching || ci == NULL || recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
    return;
  c->watching = true;
  MHD_set_connection_option(c->conn, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
}

/* After the decisions before the body: answer now when the client waits for 100 Continue or
 * must be closed, else read (or drain) the body. */
static enum MHD_Result go_on(struct call *c) {
  c->phase = PH_BODY;
  if (c->decided && (c->expect || c->x.close))
    return hand_back(c);
  return MHD_YES;
}

/* The headers are in: build the request and decide what can be decided before the body. */
static enum MHD_Result first(struct call *c, const char *method) {
  struct body_framing f = framing(c); /* first: it tells header() whether names repeat */
  c->started = true;
  c->x.req.header_fn = header;
  c->x.req.raw = c;
  pipeline_build(&c->x, method, c->target);
  const char *expect = header(c, "Expect");
  c->expect = expect != NULL && strcasecmp(expect, "100-continue") == 0;
  c->length = f.length;
  if (f.length != 0)
    watch_half_close(c);
  switch (pipeline_before_body(&c->x, &f)) {
  case BEFORE_BODY_DECIDED:
    c->decided = true;
    break;
  case BEFORE_BODY_AUTHORIZE:
    if (c->expect && suspend(c, PH_AUTHORIZE))
      return MHD_YES;
    break;
  case BEFORE_BODY_READ:
    break;
  }
  return go_on(c);
}

/* Back from the token look-up before the body. */
static enum MHD_Result authorized(struct call *c) {
  c->decided = c->x.res.status != 0;
  return go_on(c);
}

/* A piece of the body: kept when the route reads it and the limit allows. */
static void absorb(struct call *c, const char *data, size_t n) {
  size_t limit = c->x.cfg->max_body_bytes;
  c->body_seen += n;
  if (c->length < 0 || (long long)c->body_seen < c->length)
    watch_half_close(c);
  if (c->decided || !c->x.reads_body || c->body_seen > limit)
    return;
  buf_append(&c->body, data, n);
}

/* The request is in: answer here, or on a worker. */
static enum MHD_Result last(struct call *c) {
  struct exchange *x = &c->x;
  if (!c->decided && c->body_seen > x->cfg->max_body_bytes) {
    http_problem(&x->req, &x->res, IASC_PAYLOAD_TOO_LARGE, NULL,
                 "The request body is larger than the limit of %zu bytes.", x->cfg->max_body_bytes);
  } else if (!c->decided && c->body.failed) {
    http_problem(&x->req, &x->res, IASC_INTERNAL, NULL, "Out of memory.");
  } else if (!c->decided) {
    x->req.body = c->body.data;
    x->req.body_len = c->body.len;
    if (!pipeline_answer_here(x) && suspend(c, PH_ANSWER))
      return MHD_YES;
    if (x->res.status == 0 && x->entry == NULL)
      http_problem(&x->req, &x->res, IASC_UNAVAILABLE, NULL, "The server is stopping.");
  }
  return hand_back(c);
}

enum MHD_Result connection_access(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  struct call *c = *con_cls;
  (void)cls;
  (void)conn;
  (void)url;
  (void)version;
  if (c == NULL || c->target == NULL)
    return MHD_NO; /* out of memory when the request line came: close */
  if (c->phase != PH_ANSWER && c->phase != PH_AUTHORIZE &&
      clock_now_ms() - c->begun_ms > 1000LL * c->x.cfg->request_timeout)
    return MHD_NO; /* over the absolute time limit (a slow body): close */
  switch (c->phase) {
  case PH_NEW:
    return first(c, method);
  case PH_AUTHORIZE:
    return authorized(c);
  case PH_BODY:
    if (*upload_size > 0) {
      absorb(c, upload, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    return last(c);
  case PH_ANSWER:
    return hand_back(c);
  case PH_DONE:
  default:
    return MHD_YES;
  }
}

/* The parameter limit, counted on the raw query. */
static bool too_many_params(const char *query) {
  size_t n = 1;
  for (const char *p = strchr(query, '&'); p != NULL; p = strchr(p + 1, '&'))
    if (++n > HTTP_MAX_QUERY_PARAMS)
      return true;
  return false;
}

void *connection_begin(void *cls, const char *uri, struct MHD_Connection *conn) {
  const struct pipeline *p = cls;
  struct call *c = calloc(1, sizeof *c);
  if (c != NULL) {
    c->conn = conn;
    c->target = strdup(uri);
    c->x.cfg = p->cfg;
    c->x.cors = p->cors;
    c->x.limits = p->limits;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || !netaddr_from_sockaddr(ci->client_addr, &c->x.peer))
      memset(&c->x.peer, 0, sizeof c->x.peer);
    c->begun_ms = clock_now_ms();
    atomic_fetch_add(&in_flight, 1);
  }
  /* libmicrohttpd parses its own copy of the query next, into its 16 KiB per connection:
   * with thousands of parameters that runs out, and 0.9.75 then drops the request without
   * an answer. Past our limit, cut its copy after the '?': our copy gets the 400. */
  const char *q = strchr(uri, '?');
  if (q != NULL && too_many_params(q + 1))
    ((char *)q)[1] = '\0';
  return c;
}

void connection_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
  struct call *c = *con_cls;
  (void)cls;
  (void)conn;
  (void)toe;
  if (c == NULL)
    return;
  atomic_fetch_sub(&in_flight, 1);
  if (c->x.status != 0)
    pipeline_end(&c->x);
  if (c->started)
    pipeline_finish(&c->x);
  for (size_t i = 0; i < c->njoined; i++)
    free(c->joined[i]);
  buf_free(&c->body);
  free(c->target);
  free(c);
  *con_cls = NULL;
}
