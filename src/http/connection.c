/* connection.c: the only file that speaks libmicrohttpd's request API. It keeps one struct
 * call per request, from the request line (uri_logged) to completion (completed), feeds the
 * pipeline's stages at libmicrohttpd's calls of the access handler, reads the body into at
 * most IASC_MAX_BODY_BYTES, and hands the answer to libmicrohttpd without copying it: a
 * cached answer is sent from the cache entry itself, which is released when sent. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "connection.h"
#include "iasc/buf.h"
#include "internal.h"

/* Header values a lookup had to join (a header sent more than once), freed with the call. */
#define MAX_JOINED 8

struct call {
  struct exchange x;
  struct MHD_Connection *conn;
  char *target;     /* the request target as received: path and query */
  bool started;     /* the access handler has seen this request */
  bool decided;     /* x.res is the answer, decided before the body */
  struct buf body;  /* the body, when the route reads it */
  size_t body_seen; /* bytes of body received, read or not */
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
  if (first == NULL || c->njoined == MAX_JOINED)
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

struct framing_scan {
  const char *length;
  bool conflicting, chunked;
};

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value) {
  struct framing_scan *s = cls;
  (void)kind;
  if (key == NULL || value == NULL)
    return MHD_YES;
  if (strcasecmp(key, "Transfer-Encoding") == 0)
    s->chunked = true;
  else if (strcasecmp(key, "Content-Length") == 0) {
    s->conflicting = s->conflicting || (s->length != NULL && strcmp(s->length, value) != 0);
    s->length = value;
  }
  return MHD_YES;
}

/* What the headers say of the body: conflicting framing, or a length over the limit. */
static struct body_framing framing(const struct call *c) {
  struct framing_scan s = {0};
  struct body_framing f = {0};
  MHD_get_connection_values(c->conn, MHD_HEADER_KIND, scan_framing, &s);
  f.conflicting = s.conflicting || (s.chunked && s.length != NULL);
  if (s.length != NULL) {
    char *end;
    unsigned long long n = strtoull(s.length, &end, 10);
    f.too_large = n > c->x.cfg->max_body_bytes;
  }
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
  enum MHD_Result ok = MHD_queue_response(c->conn, (unsigned)w.status, r);
  MHD_destroy_response(r);
  buf_free(&w.tmp);
  return ok;
}

/* First call: the request line and headers are in. Build the request and decide what can be
 * decided before the body. An answer to a client that waits for 100 Continue, or that must
 * close, goes now; otherwise its body is drained first, unread. */
static enum MHD_Result first(struct call *c, const char *method) {
  c->started = true;
  c->x.req.header_fn = header;
  c->x.req.raw = c;
  pipeline_build(&c->x, method, c->target);
  struct body_framing f = framing(c);
  if (pipeline_before_body(&c->x, &f))
    return MHD_YES;
  c->decided = true;
  const char *expect = header(c, "Expect");
  if (c->x.close || (expect != NULL && strcasecmp(expect, "100-continue") == 0))
    return hand_back(c);
  return MHD_YES;
}

/* A piece of the body: kept when the route reads it and the limit allows. */
static void absorb(struct call *c, const char *data, size_t n) {
  size_t limit = c->x.cfg->max_body_bytes;
  c->body_seen += n;
  if (c->decided || !c->x.reads_body || c->body_seen > limit)
    return;
  buf_append(&c->body, data, n);
}

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
    pipeline_answer(x);
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
  if (!c->started)
    return first(c, method);
  if (*upload_size > 0) {
    absorb(c, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (c->x.status != 0)
    return MHD_YES; /* answered early */
  return last(c);
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
  }
  /* libmicrohttpd parses its own copy of the query next, into its 32 KiB per connection:
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
  if (c->x.status != 0)
    pipeline_log(&c->x);
  if (c->started)
    pipeline_finish(&c->x);
  for (size_t i = 0; i < c->njoined; i++)
    free(c->joined[i]);
  buf_free(&c->body);
  free(c->target);
  free(c);
  *con_cls = NULL;
}
