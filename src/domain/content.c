/* content.c: keyset pages, single items and feeds over the prepared statements. */
#include "iasc/content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/cursor.h"
#include "iasc/db.h"

#define MAX_PARAMS          (2 + CURSOR_MAX_KEYS + STATEMENT_MAX_FILTERS)
#define CURSOR_MAX_LEN_HINT 256 /* a next cursor, as JSON: two keys, base64url and a MAC */

/* Fills params for a list statement: base, row limit, cursor keys, then its filters by name.
 * Returns the number of parameters. */
static int list_params(const struct listing *l, const char *base, const char *limit,
                       char *const *keys, const char **params) {
  const struct statement *s = &STATEMENTS[l->stmt];
  int n = 0;
  params[n++] = base;
  params[n++] = limit;
  for (int i = 0; i < s->nkeys; i++)
    params[n++] = keys[i];
  for (int i = 0; i < STATEMENT_MAX_FILTERS && s->filters[i] != FILTER_NONE; i++)
    params[n++] = l->filter[s->filters[i]];
  return n;
}

/* Appends {"data":[rows' JSON],"next_cursor":...}: shown rows, and a cursor after the last of
 * them when the statement found more. */
static enum iasc_result write_page(const struct listing *l, const struct db_rows *r,
                                   struct buf *body, char **next_cursor) {
  size_t nkeys = (size_t)STATEMENTS[l->stmt].nkeys;
  int rows = db_rows_count(r);
  int shown = rows > l->limit ? l->limit : rows;
  /* Room for the whole page at once (it only shrinks in compaction), rather than doubling
   * the buffer seven times on the way to a 16 KB page. */
  size_t need = 64 + CURSOR_MAX_LEN_HINT;
  for (int i = 0; i < shown; i++)
    need += db_length(r, i, 0) + 1;
  buf_reserve(body, need);
  buf_puts(body, "{\"data\":[");
  for (int i = 0; i < shown; i++) {
    if (i)
      buf_append(body, ",", 1);
    buf_json_compact(body, db_value(r, i, 0), db_length(r, i, 0));
  }
  buf_puts(body, "],\"next_cursor\":");
  if (rows > l->limit) {
    const char *last[CURSOR_MAX_KEYS];
    for (size_t k = 0; k < nkeys; k++)
      last[k] = db_value(r, shown - 1, (int)k + 1);
    *next_cursor = cursor_encode(l->kind, last, nkeys);
    if (*next_cursor == NULL)
      return IASC_INTERNAL;
    buf_json_string(body, *next_cursor);
  } else {
    buf_puts(body, "null");
  }
  buf_puts(body, "}");
  return body->failed ? IASC_INTERNAL : IASC_OK;
}

enum iasc_result content_list(const struct listing *l, const char *base, const char *cursor,
                              struct buf *body, char **next_cursor) {
  char *keys[CURSOR_MAX_KEYS] = {0};
  const char *params[MAX_PARAMS];
  char limit_text[16];
  struct db_rows *r = NULL;
  size_t nkeys = (size_t)STATEMENTS[l->stmt].nkeys;
  enum iasc_result res = IASC_OK;
  *next_cursor = NULL;
  if (cursor != NULL && (res = cursor_decode(cursor, l->kind, keys, nkeys)) != IASC_OK)
    return res;
  snprintf(limit_text, sizeof limit_text, "%d", l->limit + 1);
  list_params(l, base, limit_text, keys, params);
  res = db_exec(l->stmt, params, &r);
  if (res == IASC_OK)
    res = write_page(l, r, body, next_cursor);
  db_rows_free(r);
  for (size_t i = 0; i < nkeys; i++)
    free(keys[i]);
  return res;
}

enum iasc_result content_get(enum stmt_id stmt, const char *base, const char *key, bool admin,
                             struct item *it) {
  struct db_rows *r = NULL;
  const char *params[3] = {base, key, admin ? "true" : "false"};
  memset(it, 0, sizeof *it);
  enum iasc_result res = db_exec(stmt, params, &r);
  if (res == IASC_OK && db_rows_count(r) == 0)
    res = IASC_NOT_FOUND;
  if (res == IASC_OK) {
    struct buf b = {0};
    buf_json_compact(&b, db_value(r, 0, 0), db_length(r, 0, 0));
    it->json = b.failed ? NULL : buf_steal(&b);
    buf_free(&b);
    snprintf(it->etag, sizeof it->etag, "%s", db_value(r, 0, 1));
    it->updated = strtoll(db_value(r, 0, 2), NULL, 10);
    if (it->json == NULL)
      res = IASC_INTERNAL;
  }
  db_rows_free(r);
  return res;
}

enum iasc_result content_feed(const struct feed_request *rq, json_t **feed,
                              long long *last_modified) {
  const char *params[4] = {rq->base, rq->which, rq->tag, rq->type};
  struct db_rows *r = NULL;
  char id[64];
  *feed = NULL;
  enum iasc_result res = db_exec(STMT_FEED, params, &r);
  if (res != IASC_OK)
    return res;
  json_t *entries = json_loads(db_value(r, 0, 0), 0, NULL);
  if (entries == NULL) {
    db_rows_free(r);
    return IASC_INTERNAL;
  }
  snprintf(id, sizeof id, "urn:iasc-api:feed:%s", rq->which);
  *feed = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", id, "title", rq->title, "self_url",
                    rq->self_url, "home_url", "https://www.antislaverycommissioner.co.uk/",
                    "updated", db_value(r, 0, 1), "description",
                    "From the office of the UK Independent Anti-Slavery Commissioner.", "entries",
                    entries);
  *last_modified = strtoll(db_value(r, 0, 2), NULL, 10);
  db_rows_free(r);
  return *feed != NULL ? IASC_OK : IASC_INTERNAL;
}
