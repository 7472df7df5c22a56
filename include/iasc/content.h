/* content.h: reading content: keyset pages over a list statement, and single items.
 * Plain C over the db layer: no HTTP types. */
#ifndef IASC_CONTENT_H
#define IASC_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "iasc/buf.h"
#include "iasc/cursor.h"
#include "iasc/result.h"
#include "iasc/statements.h"

#define LISTING_MAX_PARAMS 12

/* One page request. params[0] ($1, base URL) and params[1] ($2, row limit) and the cursor
 * keys params[2..2+nkeys) are filled by content_list; the caller sets the filters after them
 * (NULL = no filter). */
struct listing {
  enum stmt_id stmt;
  const char *kind; /* cursor kind: binds a cursor to this listing and ordering */
  size_t nkeys;     /* cursor keys: result columns 1..nkeys and params $3.. */
  int limit;        /* page size 1..100 */
  const char *params[LISTING_MAX_PARAMS];
};

/* Runs the listing from cursor (NULL: first page). On IASC_OK body holds
 * {"data":[...],"next_cursor":...} and *next_cursor a malloc'd cursor or NULL (free it).
 * IASC_INVALID_CURSOR for a cursor not issued for this kind. */
enum iasc_result content_list(struct listing *l, const char *base, const char *cursor,
                              struct buf *body, char **next_cursor);

struct item {
  char *json;        /* malloc'd */
  char etag[64];     /* the strong ETag of its current version, quoted */
  long long updated; /* its updated_at in whole seconds since the epoch, rounded up */
};

/* Fetches one item with a (base, key, admin) statement: admin also sees drafts and items
 * scheduled for later. On IASC_OK it->json is malloc'd (free it). */
enum iasc_result content_get(enum stmt_id stmt, const char *base, const char *key, bool admin,
                             struct item *it);

#endif
