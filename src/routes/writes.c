/* writes.c: POST, PUT, PATCH and DELETE for every collection: parse the body and the
 * headers, call content_write (src/domain/writes.c), map its outcome to HTTP. The route's
 * data is the collection's struct content_kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/buf.h"
#include "iasc/content.h"
#include "iasc/etag.h"
#include "iasc/routes.h"

static const struct param_spec NO_PARAMS[] = {{NULL, PARAM_TEXT, NULL}};

/* Parses the body strictly: one JSON object, no duplicate keys, nothing after it (its
 * media type was checked from the route's accepts before it was read). Returns a new
 * reference, or NULL with res filled (400, 422). */
static json_t *read_body(const struct http_req *req, struct http_res *res) {
  if (req->body_len == 0) {
    http_problem(req, res, IASC_BAD_REQUEST, NULL, "The request has no body.");
    return NULL;
  }
  json_error_t err;
  json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
  if (j == NULL) {
    http_problem(req, res, IASC_BAD_REQUEST, NULL, "The body is not valid JSON: %s (at byte %d).",
                 err.text, err.position);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    http_problem_errors(
        req, res, IASC_INVALID, "The body must be a JSON object.",
        json_pack("[{s:s, s:s}]", "field", "", "message", "the body must be a JSON object"));
    return NULL;
  }
  return j;
}

/* If-Match as the domain takes it: strong tags only (weak ones never match a write), a
 * "-gz" variant mapped to its identity tag, tags that are not ASCII dropped (ours never are).
 * The tags are copied into store (nul-separated, as long as the header). */
struct if_match_parse {
  struct precondition *pc;
  char *store;
};

static bool add_tag(bool weak, const char *o, size_t n, const void *ctx) {
  const struct if_match_parse *p = ctx;
  if (weak || p->pc->ntags == WRITE_MAX_TAGS)
    return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)o[i] >= 0x80)
      return false;
  if (n >= 5 && memcmp(o + n - 4, "-gz\"", 4) == 0) {
    memcpy(p->store, o, n - 4);
    memcpy(p->store + n - 4, "\"", 2);
  } else {
    memcpy(p->store, o, n);
    p->store[n] = '\0';
  }
  p->pc->tags[p->pc->ntags++] = p->store;
  ((struct if_match_parse *)p)->store += n + 1;
  return false;
}

/* Reads If-Match into pc; the tags live in *store (malloc'd, the caller frees it). */
static void read_if_match(const struct http_req *req, struct precondition *pc, char **store) {
  const char *h = http_req_header(req, "If-Match");
  memset(pc, 0, sizeof *pc);
  *store = NULL;
  if (h == NULL)
    return;
  pc->given = true;
  pc->any = etag_is_star(h);
  *store = malloc(strlen(h) + 1);
  if (pc->any || *store == NULL)
    return;
  struct if_match_parse p = {pc, *store};
  etag_list_any(h, add_tag, &p);
}

static bool valid_idempotency_key(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > 255)
    return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
      return false;
  return true;
}

/* The request an Idempotency-Key stands for: method, path and the exact body bytes. */
static bool request_hash(const struct http_req *req, char hash[65]) {
  struct buf b = {0};
  buf_printf(&b, "POST %s\n", req->path);
  buf_append(&b, req->body, req->body_len);
  bool ok = !b.failed && auth_hash(b.data, hash);
  buf_free(&b);
  return ok;
}

/* Maps a write's outcome into res. */
static void answer(const struct http_req *req, struct http_res *res, enum iasc_result r,
                   const struct write_request *rq, struct write_outcome *out) {
  if (r != IASC_OK && out->detail != NULL) {
    http_problem_errors(req, res, r, out->detail, json_incref(out->errors));
  } else if (r != IASC_OK) {
    routes_fail(req, res, r);
  } else if (rq->op == WRITE_DELETE) {
    res->status = 204;
  } else {
    struct buf b = {0};
    buf_json_compact(&b, out->body ? out->body : "{}", out->body ? strlen(out->body) : 2);
    size_t len = b.len;
    http_res_json(res, out->created ? 201 : 200, buf_steal(&b), len);
    if (out->created && out->location != NULL)
      http_res_header(res, "Location", out->location);
    if (out->etag != NULL)
      http_res_header(res, "ETag", out->etag);
  }
  res->cache_control = "no-store";
}

/* Parses what every write shares, runs it and answers. body: the parsed JSON or NULL. */
static void run(struct http_req *req, struct http_res *res, enum write_op op, json_t *body,
                const char *idem_key, const char *idem_hash) {
  struct precondition pc;
  char *store;
  struct writer who = {req->who.id, req->who.name};
  read_if_match(req, &pc, &store);
  struct write_request rq = {
      .k = req->route_data,
      .op = op,
      .target = op == WRITE_CREATE ? NULL : req->route_params[0],
      .body = body,
      .if_match = op == WRITE_CREATE ? NULL : &pc,
      .who = &who,
      .idem_key = idem_key,
      .idem_hash = idem_hash,
      .base = req->base_url,
  };
  struct write_outcome out;
  enum iasc_result r = content_write(&rq, &out);
  answer(req, res, r, &rq, &out);
  write_outcome_free(&out);
  free(store);
}

/* query, database, then the body for all but DELETE. NULL with res filled on error. */
static bool prepare(struct http_req *req, struct http_res *res, enum write_op op, json_t **body) {
  const char *vals[1];
  *body = NULL;
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return false;
  return op == WRITE_DELETE || (*body = read_body(req, res)) != NULL;
}

void content_create(struct http_req *req, struct http_res *res) {
  const char *vals[1];
  json_t *body = NULL;
  char hash[65] = "";
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  const char *key = http_req_header(req, "Idempotency-Key");
  if (key != NULL && !valid_idempotency_key(key)) {
    http_problem(req, res, IASC_BAD_REQUEST, "Idempotency-Key",
                 "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    return;
  }
  if ((body = read_body(req, res)) == NULL)
    return;
  if (key != NULL && !request_hash(req, hash))
    routes_fail(req, res, IASC_INTERNAL);
  else
    run(req, res, WRITE_CREATE, body, key, key ? hash : NULL);
  json_decref(body);
}

static void write_existing(struct http_req *req, struct http_res *res, enum write_op op) {
  json_t *body;
  if (prepare(req, res, op, &body))
    run(req, res, op, body, NULL, NULL);
  json_decref(body);
}

void content_replace(struct http_req *req, struct http_res *res) {
  write_existing(req, res, WRITE_REPLACE);
}

void content_update(struct http_req *req, struct http_res *res) {
  write_existing(req, res, WRITE_UPDATE);
}

void content_delete(struct http_req *req, struct http_res *res) {
  write_existing(req, res, WRITE_DELETE);
}
