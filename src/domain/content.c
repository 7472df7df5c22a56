/* content.c: keyset pages and single items over the prepared statements. */
#include "iasc/content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/db.h"

enum iasc_result content_list(struct listing *l, const char *base, const char *cursor,
                              struct buf *body, char **next_cursor) {
  char *keys[CURSOR_MAX_KEYS] = {0};
  char limit_text[16];
  PGresult *r = NULL;
  enum iasc_result res;
  *next_cursor = NULL;
  if (cursor != NULL) {
    res = cursor_decode(cursor, l->kind, keys, l->nkeys);
    if (res != IASC_OK)
      return res;
  }
  snprintf(limit_text, sizeof limit_text, "%d", l->limit + 1);
  l->params[0] = base;
  l->params[1] = limit_text;
  for (size_t i = 0; i < l->nkeys; i++)
    l->params[2 + i] = keys[i];
  res = db_exec(l->stmt, l->params, &r);
  if (res != IASC_OK)
    goto out;
  int rows = PQntuples(r);
  int shown = rows > l->limit ? l->limit : rows;
  buf_puts(body, "{\"data\":[");
  for (int i = 0; i < shown; i++) {
    if (i)
      buf_append(body, ",", 1);
    buf_json_compact(body, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
  }
  buf_puts(body, "],\"next_cursor\":");
  if (rows > l->limit) {
    const char *last[CURSOR_MAX_KEYS];
    for (size_t k = 0; k < l->nkeys; k++)
      last[k] = PQgetvalue(r, shown - 1, (int)k + 1);
    *next_cursor = cursor_encode(l->kind, last, l->nkeys);
    if (*next_cursor == NULL) {
      res = IASC_INTERNAL;
      goto out;
    }
    buf_json_string(body, *next_cursor);
  } else {
    buf_puts(body, "null");
  }
  buf_puts(body, "}");
  if (body->failed)
    res = IASC_INTERNAL;
out:
  PQclear(r);
  for (size_t i = 0; i < l->nkeys; i++)
    free(keys[i]);
  return res;
}

enum iasc_result content_get(enum stmt_id stmt, const char *base, const char *key, bool admin,
                             struct item *it) {
  PGresult *r = NULL;
  const char *params[3] = {base, key, admin ? "true" : "false"};
  memset(it, 0, sizeof *it);
  enum iasc_result res = db_exec(stmt, params, &r);
  if (res == IASC_OK) {
    if (PQntuples(r) == 0)
      res = IASC_NOT_FOUND;
    else {
      struct buf b = {0};
      buf_json_compact(&b, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
      it->json = b.failed ? NULL : buf_steal(&b);
      buf_free(&b);
    }
    if (res == IASC_OK && it->json == NULL)
      res = IASC_INTERNAL;
    else if (res == IASC_OK) {
      snprintf(it->etag, sizeof it->etag, "%s", PQgetvalue(r, 0, 1));
      it->updated = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    }
  }
  PQclear(r);
  return res;
}
