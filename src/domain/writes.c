/* writes.c: every write of content: validation (schema.c), the If-Match precondition, merge
 * patches with retry, and iasc_write (sql/migrations/0010_write_outcomes.sql), which applies
 * the change with its audit and idempotency records in one transaction and reports an
 * outcome that one table below maps to a result. */
#include "iasc/content.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/db.h"

/* An update without If-Match re-reads and retries when another write got in between; writes
 * are serialised, so each retry waits for at most the writers ahead of it. */
#define UPDATE_RETRIES 32

static _Atomic(content_write_hook) write_hook;

void content_set_write_hook(content_write_hook hook) {
  atomic_store(&write_hook, hook);
}

/* iasc_write's outcomes. */
static const struct {
  const char *outcome;
  enum iasc_result result;
} OUTCOMES[] = {
    {"created", IASC_OK},
    {"updated", IASC_OK},
    {"deleted", IASC_OK},
    {"not_found", IASC_NOT_FOUND},
    {"precondition_failed", IASC_PRECONDITION_FAILED},
    {"conflict", IASC_CONFLICT},
    {"invalid", IASC_INVALID},
};

static enum iasc_result result_of(const char *outcome) {
  for (size_t i = 0; i < sizeof OUTCOMES / sizeof OUTCOMES[0]; i++)
    if (strcmp(OUTCOMES[i].outcome, outcome) == 0)
      return OUTCOMES[i].result;
  return IASC_INTERNAL;
}

void write_outcome_free(struct write_outcome *out) {
  free(out->body);
  free(out->location);
  free(out->etag);
  free(out->detail);
  json_decref(out->errors);
  memset(out, 0, sizeof *out);
}

static char *dup_or_null(const struct db_rows *r, int col) {
  return db_is_null(r, 0, col) ? NULL : strdup(db_value(r, 0, col));
}

/* Fills out with a refusal: detail and errors. Returns r. */
static enum iasc_result refuse(struct write_outcome *out, enum iasc_result r, const char *detail,
                               json_t *errors) {
  free(out->detail);
  out->detail = strdup(detail);
  json_decref(out->errors);
  out->errors = errors;
  return r;
}

/* The precondition as a PostgreSQL text[] literal: NULL when absent, {*}, or the tags. */
static char *if_match_literal(const struct precondition *pc) {
  if (pc == NULL || !pc->given)
    return NULL;
  struct buf b = {0};
  buf_puts(&b, pc->any ? "{*" : "{");
  for (size_t i = 0; i < pc->ntags; i++) {
    buf_puts(&b, i > 0 || pc->any ? ",\"" : "\"");
    for (const char *p = pc->tags[i]; *p; p++) {
      if (*p == '"' || *p == '\\')
        buf_append(&b, "\\", 1);
      buf_append(&b, p, 1);
    }
    buf_puts(&b, "\"");
  }
  buf_puts(&b, "}");
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}

static const char *const OPS[] = {"create", "replace", "update", "delete"};

/* Runs iasc_write with doc and the precondition literal if_match; fills out. */
static enum iasc_result apply(const struct write_request *rq, const json_t *doc,
                              const char *if_match, struct write_outcome *out) {
  char *doc_text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  const char *params[10] = {rq->k->name,   OPS[rq->op],       rq->target,          doc_text,
                            if_match,      rq->who->token_id, rq->who->token_name, rq->idem_key,
                            rq->idem_hash, rq->base};
  struct db_rows *r = NULL;
  enum iasc_result res = db_exec(STMT_WRITE, params, &r);
  free(doc_text);
  if (res != IASC_OK)
    return res;
  const char *outcome = db_value(r, 0, 0);
  const char *body = db_value(r, 0, 1);
  res = result_of(outcome);
  if (res == IASC_OK) {
    out->created = strcmp(outcome, "created") == 0;
    out->body = *body ? strdup(body) : NULL;
    out->location = dup_or_null(r, 2);
    out->etag = dup_or_null(r, 3);
  } else {
    json_t *j = json_loads(body, 0, NULL);
    const char *detail = json_string_value(json_object_get(j, "detail"));
    refuse(out, res, detail ? detail : "The write was refused.",
           json_incref(json_object_get(j, "errors")));
    json_decref(j);
  }
  db_rows_free(r);
  return res;
}

static json_t *field_error(const char *field, const char *message) {
  return json_pack("[{s:s, s:s}]", "field", field, "message", message);
}

/* A valid document's date_field (a Europe/London date) turned into published_at: the day's
 * first instant when published_at is null; when both are given, they must name the same
 * London day (published_at, the more precise, is kept). The date field leaves the document.
 * Returns IASC_OK, IASC_INVALID with out filled, or the database's failure. */
static enum iasc_result resolve_date(const struct write_request *rq, json_t *doc,
                                     struct write_outcome *out) {
  const char *field = rq->k->date_field;
  const char *day = field ? json_string_value(json_object_get(doc, field)) : NULL;
  enum iasc_result res = IASC_OK;
  if (day != NULL) {
    const char *at = json_string_value(json_object_get(doc, "published_at"));
    const char *params[2] = {day, at};
    struct db_rows *r = NULL;
    if ((res = db_exec(STMT_LONDON_DAY, params, &r)) != IASC_OK)
      return res;
    if (at == NULL)
      json_object_set_new(doc, "published_at", json_string(db_value(r, 0, 0)));
    else if (strcmp(db_value(r, 0, 1), day) != 0)
      res = refuse(out, IASC_INVALID, "published_on and published_at name different days.",
                   field_error(field, "is not the Europe/London date of published_at"));
    db_rows_free(r);
  }
  if (field != NULL)
    json_object_del(doc, field);
  return res;
}

/* Validates doc as a whole item and resolves its date; on failure fills out and sets *res. */
static json_t *validated(const struct write_request *rq, const json_t *doc,
                         struct write_outcome *out, enum iasc_result *res) {
  json_t *errors = NULL;
  json_t *valid = schema_validate(rq->k, doc, &errors);
  *res = IASC_INVALID;
  if (valid == NULL)
    refuse(out, IASC_INVALID, "Some fields are not valid; see errors.", errors);
  else if ((*res = resolve_date(rq, valid, out)) != IASC_OK) {
    json_decref(valid);
    valid = NULL;
  }
  return valid;
}

/* True when body names a key other than the target, for kinds whose key never changes (a
 * null key keeps it in a PUT, and is a change in a merge patch). */
static bool changes_fixed_key(const struct write_request *rq) {
  json_t *given = json_object_get(rq->body, rq->k->key_field);
  if (strcmp(rq->k->key_field, "id") != 0 || given == NULL ||
      (rq->op == WRITE_REPLACE && json_is_null(given)))
    return false;
  return !json_is_string(given) || strcmp(json_string_value(given), rq->target) != 0;
}

/* create and replace: the body is the whole item (PUT keeps the key unless it names one). */
static enum iasc_result write_whole(const struct write_request *rq, struct write_outcome *out) {
  json_t *doc = json_deep_copy(rq->body);
  enum iasc_result res;
  if (doc == NULL)
    return IASC_INTERNAL;
  json_t *given = json_object_get(doc, rq->k->key_field);
  if (rq->op == WRITE_REPLACE && (given == NULL || json_is_null(given)))
    json_object_set_new(doc, rq->k->key_field, json_string(rq->target));
  json_t *valid = validated(rq, doc, out, &res);
  if (valid != NULL) {
    char *if_match = if_match_literal(rq->if_match);
    res = apply(rq, valid, if_match, out);
    free(if_match);
  }
  json_decref(valid);
  json_decref(doc);
  return res;
}

/* One attempt of an update: read the current version, merge, validate, write on condition
 * (the client's If-Match, or else the version read). */
static enum iasc_result update_once(const struct write_request *rq, struct write_outcome *out) {
  struct item it;
  enum iasc_result res = content_get(rq->k->get_stmt, rq->base, rq->target, true, &it);
  if (res != IASC_OK)
    return res == IASC_NOT_FOUND ? refuse(out, res, "No such item.", NULL) : res;
  json_t *current = json_loads(it.json, 0, NULL);
  free(it.json);
  if (current == NULL)
    return IASC_INTERNAL;
  schema_strip_read_only(rq->k, current);
  schema_patch_prepare(rq->k, current, rq->body);
  json_t *merged = schema_merge_patch(current, rq->body);
  json_decref(current);
  json_t *valid = validated(rq, merged, out, &res);
  json_decref(merged);
  if (valid == NULL)
    return res;
  struct precondition read = {.given = true, .tags = {it.etag}, .ntags = 1};
  bool client = rq->if_match != NULL && rq->if_match->given;
  char *if_match = if_match_literal(client ? rq->if_match : &read);
  res = apply(rq, valid, if_match, out);
  free(if_match);
  json_decref(valid);
  return res;
}

static enum iasc_result write_update(const struct write_request *rq, struct write_outcome *out) {
  bool client = rq->if_match != NULL && rq->if_match->given;
  for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
    enum iasc_result res = update_once(rq, out);
    if (res != IASC_PRECONDITION_FAILED || client)
      return res;
    write_outcome_free(out); /* someone else wrote first: start again from their version */
  }
  return refuse(out, IASC_CONFLICT,
                "The item kept changing while this patch was applied; try again.", NULL);
}

/* After a successful write: tell the hook when answers next change by themselves. */
static void after_write(void) {
  content_write_hook hook = atomic_load(&write_hook);
  if (hook == NULL)
    return;
  struct db_rows *r = NULL;
  long long next = -1;
  if (db_exec(STMT_NEXT_CHANGE, NULL, &r) == IASC_OK)
    next = strtoll(db_value(r, 0, 0), NULL, 10);
  db_rows_free(r);
  hook(next);
}

enum iasc_result content_write(const struct write_request *rq, struct write_outcome *out) {
  enum iasc_result res;
  memset(out, 0, sizeof *out);
  if (rq->op != WRITE_CREATE && rq->op != WRITE_DELETE && changes_fixed_key(rq))
    return refuse(out, IASC_INVALID, "Some fields are not valid; see errors.",
                  field_error("id", "cannot be changed"));
  if (rq->op == WRITE_UPDATE) {
    res = write_update(rq, out);
  } else if (rq->op == WRITE_DELETE) {
    char *if_match = if_match_literal(rq->if_match);
    res = apply(rq, NULL, if_match, out);
    free(if_match);
  } else {
    res = write_whole(rq, out);
  }
  if (res == IASC_OK)
    after_write();
  return res;
}
