/* writes.c: POST, PUT, PATCH and DELETE for every collection. The route's data is the
 * collection's struct content_kind; validation lives in src/domain/schema.c and the write
 * itself (with its audit record and idempotency record) in one SQL function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iasc/buf.h"
#include "iasc/db.h"
#include "iasc/routes.h"
#include "iasc/schema.h"

/* PATCH without If-Match re-reads and retries when another write got in between; writes are
 * serialised, so each retry waits for at most the writers ahead of it. */
#define PATCH_RETRIES 32

static const struct param_spec NO_PARAMS[] = {{NULL, PARAM_TEXT, NULL}};

/* True when the Content-Type names one of the JSON media types we take. */
static bool json_content_type(const char *ct, bool merge_patch) {
  if (ct == NULL)
    return false;
  size_t n = strcspn(ct, ";");
  while (n > 0 && ct[n - 1] == ' ')
    n--;
  return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
         (merge_patch && n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0);
}

/* Parses the body strictly: one JSON object, no duplicate keys, nothing after it.
 * Returns a new reference, or NULL with res filled (415, 400, 422). */
static json_t *read_body(const struct http_req *req, struct http_res *res, bool merge_patch) {
  if (!json_content_type(http_req_header(req, "Content-Type"), merge_patch)) {
    http_problem(req, res, IASC_UNSUPPORTED_MEDIA_TYPE, NULL,
                 "Send the body as application/json%s.",
                 merge_patch ? " or application/merge-patch+json" : "");
    return NULL;
  }
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

/* Turns If-Match into a PostgreSQL text[] literal of strong tags ("-gz" variants mapped to
 * the identity tag), or NULL when absent. "*" becomes {*}. Weak tags never match. */
static char *if_match_array(const char *h) {
  if (h == NULL)
    return NULL;
  struct buf b = {0};
  buf_puts(&b, "{");
  bool first = true;
  const char *p = h;
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t')
      p++;
    if (*p == '\0')
      break;
    if (*p == '*') {
      buf_puts(&b, first ? "*" : ",*");
      first = false;
      p++;
      continue;
    }
    bool weak = strncmp(p, "W/", 2) == 0;
    if (weak)
      p += 2;
    if (*p != '"')
      break; /* malformed: what was read so far is all that counts */
    const char *end = strchr(p + 1, '"');
    if (end == NULL)
      break;
    size_t len = (size_t)(end - p - 1);
    if (len >= 3 && strncmp(end - 3, "-gz", 3) == 0)
      len -= 3;
    if (!weak) {
      if (!first)
        buf_puts(&b, ",");
      buf_puts(&b, "\"\\\"");
      for (size_t i = 0; i < len; i++) {
        char c = p[1 + i];
        if (c == '"' || c == '\\' || (unsigned char)c < 0x20)
          continue;
        buf_append(&b, &c, 1);
      }
      buf_puts(&b, "\\\"\"");
      first = false;
    }
    p = end + 1;
  }
  buf_puts(&b, "}");
  if (b.failed) {
    buf_free(&b);
    return strdup("{}");
  }
  return buf_steal(&b);
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

/* Runs iasc_write and maps its answer into res. Returns the status it gave. */
static int run_write(struct http_req *req, struct http_res *res, const struct content_kind *k,
                     const char *op, const char *target, const json_t *doc, const char *if_match,
                     const char *idem_key, const char *idem_hash) {
  char *doc_text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  const char *params[10] = {k->name,       op,       target,    doc_text,     if_match, req->who.id,
                            req->who.name, idem_key, idem_hash, req->base_url};
  PGresult *r = NULL;
  int status = 500;
  enum iasc_result rr = db_exec(STMT_WRITE, params, &r);
  free(doc_text);
  if (rr != IASC_OK) {
    routes_fail(req, res, rr);
    return http_status_for(rr);
  }
  status = atoi(PQgetvalue(r, 0, 0));
  const char *body = PQgetvalue(r, 0, 1);
  if (status == 200 || status == 201) {
    struct buf b = {0};
    buf_json_compact(&b, body, strlen(body));
    size_t len = b.len;
    http_res_json(res, status, buf_steal(&b), len);
  } else if (status == 204) {
    res->status = 204;
  } else {
    json_t *j = json_loads(body, 0, NULL);
    const char *detail = json_string_value(json_object_get(j, "detail"));
    enum iasc_result e = status == 404   ? IASC_NOT_FOUND
                         : status == 409 ? IASC_CONFLICT
                         : status == 412 ? IASC_PRECONDITION_FAILED
                                         : IASC_INVALID;
    http_problem_errors(req, res, e, detail ? detail : "The write was refused.",
                        json_incref(json_object_get(j, "errors")));
    json_decref(j);
  }
  if (status < 300) {
    if (status == 201 && !PQgetisnull(r, 0, 2))
      http_res_header(res, "Location", PQgetvalue(r, 0, 2));
    if (!PQgetisnull(r, 0, 3) && status != 204)
      http_res_header(res, "ETag", PQgetvalue(r, 0, 3));
  }
  res->cache_control = "no-store";
  PQclear(r);
  return status;
}

static void send_invalid(const struct http_req *req, struct http_res *res, json_t *errors) {
  http_problem_errors(req, res, IASC_INVALID, "Some fields are not valid; see errors.", errors);
}

void content_create(struct http_req *req, struct http_res *res) {
  const struct content_kind *k = req->route_data;
  const char *vals[1];
  json_t *body = NULL, *doc = NULL, *errors = NULL;
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  const char *key = http_req_header(req, "Idempotency-Key");
  if (key != NULL && !valid_idempotency_key(key)) {
    http_problem(req, res, IASC_BAD_REQUEST, "Idempotency-Key",
                 "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    return;
  }
  if ((body = read_body(req, res, false)) == NULL)
    return;
  if ((doc = schema_validate(k, body, &errors)) == NULL) {
    send_invalid(req, res, errors);
    goto out;
  }
  char hash[65] = "";
  if (key != NULL) {
    /* The request an Idempotency-Key stands for: method, path and the exact body bytes. */
    struct buf b = {0};
    buf_printf(&b, "POST %s\n", req->path);
    buf_append(&b, req->body, req->body_len);
    bool ok = !b.failed && auth_hash(b.data, hash);
    buf_free(&b);
    if (!ok) {
      routes_fail(req, res, IASC_INTERNAL);
      goto out;
    }
  }
  run_write(req, res, k, "create", NULL, doc, NULL, key, key ? hash : NULL);
out:
  json_decref(body);
  json_decref(doc);
}

void content_replace(struct http_req *req, struct http_res *res) {
  const struct content_kind *k = req->route_data;
  const char *vals[1];
  const char *target = req->route_params[0];
  json_t *body = NULL, *doc = NULL, *errors = NULL;
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  if ((body = read_body(req, res, false)) == NULL)
    return;
  /* PUT keeps the item's key unless the body names another (support-rate ids never change). */
  json_t *given = json_object_get(body, k->key_field);
  if (given == NULL || json_is_null(given))
    json_object_set_new(body, k->key_field, json_string(target));
  else if (strcmp(k->key_field, "id") == 0 &&
           (!json_is_string(given) || strcmp(json_string_value(given), target) != 0)) {
    send_invalid(req, res,
                 json_pack("[{s:s, s:s}]", "field", "id", "message", "cannot be changed"));
    goto out;
  }
  if ((doc = schema_validate(k, body, &errors)) == NULL) {
    send_invalid(req, res, errors);
    goto out;
  }
  char *if_match = if_match_array(http_req_header(req, "If-Match"));
  run_write(req, res, k, "replace", target, doc, if_match, NULL, NULL);
  free(if_match);
out:
  json_decref(body);
  json_decref(doc);
}

void content_update(struct http_req *req, struct http_res *res) {
  const struct content_kind *k = req->route_data;
  const char *vals[1];
  const char *target = req->route_params[0];
  json_t *patch = NULL;
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  if ((patch = read_body(req, res, true)) == NULL)
    return;
  json_t *key = json_object_get(patch, k->key_field);
  if (strcmp(k->key_field, "id") == 0 && key != NULL &&
      (!json_is_string(key) || strcmp(json_string_value(key), target) != 0)) {
    send_invalid(req, res,
                 json_pack("[{s:s, s:s}]", "field", "id", "message", "cannot be changed"));
    json_decref(patch);
    return;
  }
  char *client_if_match = if_match_array(http_req_header(req, "If-Match"));
  /* Without If-Match the patch applies to whatever is current: read, merge, and write on
   * condition that nothing changed in between, retrying a few times if something did. */
  for (int attempt = 0; attempt < PATCH_RETRIES; attempt++) {
    struct item it;
    json_t *doc = NULL, *errors = NULL, *current = NULL;
    enum iasc_result r = content_get(k->get_stmt, req->base_url, target, true, &it);
    if (r != IASC_OK) {
      routes_fail(req, res, r);
      break;
    }
    current = json_loads(it.json, 0, NULL);
    free(it.json);
    if (current == NULL) {
      routes_fail(req, res, IASC_INTERNAL);
      break;
    }
    schema_strip_read_only(k, current);
    json_t *merged = schema_merge_patch(current, patch);
    json_decref(current);
    doc = schema_validate(k, merged, &errors);
    json_decref(merged);
    if (doc == NULL) {
      send_invalid(req, res, errors);
      break;
    }
    /* {"\"<etag>\""}: the version this merge was computed from, as a text[] literal. */
    struct buf b = {0};
    buf_puts(&b, "{\"");
    for (const char *p = it.etag; *p; p++) {
      if (*p == '"')
        buf_puts(&b, "\\\"");
      else
        buf_append(&b, p, 1);
    }
    buf_puts(&b, "\"}");
    const char *if_match = client_if_match ? client_if_match : b.data;
    int status = run_write(req, res, k, "update", target, doc, if_match, NULL, NULL);
    buf_free(&b);
    json_decref(doc);
    if (status != 412 || client_if_match != NULL)
      break;
    if (attempt + 1 == PATCH_RETRIES) {
      free(res->body);
      res->body = NULL;
      http_problem(req, res, IASC_CONFLICT, NULL,
                   "The item kept changing while this patch was applied; try again.");
      break;
    }
    /* Someone else wrote first: start again from the new version. */
    free(res->body);
    res->body = NULL;
    for (size_t i = 0; i < res->nheaders; i++) {
      free(res->headers[i].name);
      free(res->headers[i].value);
    }
    res->nheaders = 0;
  }
  free(client_if_match);
  json_decref(patch);
}

void content_delete(struct http_req *req, struct http_res *res) {
  const struct content_kind *k = req->route_data;
  const char *vals[1];
  if (!query_bind(req, res, NO_PARAMS, vals) || !routes_db_ready(req, res))
    return;
  char *if_match = if_match_array(http_req_header(req, "If-Match"));
  run_write(req, res, k, "delete", req->route_params[0], NULL, if_match, NULL, NULL);
  free(if_match);
}
