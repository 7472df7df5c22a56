/* content.h: the domain's reads and writes of content: keyset pages over a list statement,
 * single items, feeds, and validated writes with their audit trail. Plain C over the db
 * layer: no HTTP types, no SQL. */
#ifndef IASC_CONTENT_H
#define IASC_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "iasc/buf.h"
#include "iasc/result.h"
#include "iasc/schema.h"
#include "iasc/statements.h"

/* One page request: the statement, the cursor kind that binds a cursor to this listing and
 * ordering, the page size, and the filters by name (NULL: not filtered). */
struct listing {
  enum stmt_id stmt;
  const char *kind;
  int limit; /* 1..100 */
  const char *filter[FILTER_COUNT];
};

/* Runs the listing from cursor (NULL: first page). On IASC_OK body holds
 * {"data":[...],"next_cursor":...} and *next_cursor a malloc'd cursor or NULL (the caller
 * frees it). IASC_INVALID_CURSOR for a cursor not issued for this kind; IASC_UNAVAILABLE,
 * IASC_INTERNAL from the database. */
enum iasc_result content_list(const struct listing *l, const char *base, const char *cursor,
                              struct buf *body, char **next_cursor);

struct item {
  char *json;        /* malloc'd: the caller frees it */
  char etag[64];     /* the strong ETag of its current version, quoted */
  long long updated; /* its updated_at in whole seconds since the epoch, rounded up */
};

/* Fetches one item with a (base, key, admin) statement: admin also sees drafts and items
 * scheduled for later. On IASC_OK it->json is malloc'd; IASC_NOT_FOUND when there is none. */
enum iasc_result content_get(enum stmt_id stmt, const char *base, const char *key, bool admin,
                             struct item *it);

/* A feed: the newest 50 public entries of news, publications or all, as the feed writers
 * take them (feeds.h). */
struct feed_request {
  const char *which; /* news | publications | all */
  const char *title;
  const char *self_url;
  const char *base; /* absolute URLs of entries start with it */
  const char *tag;  /* NULL: any */
  const char *type; /* publication type; NULL: any (a type leaves news out) */
};

/* Loads the feed. On IASC_OK *feed is a new reference the caller decrefs and *last_modified
 * the last change to its sources (seconds since the epoch). */
enum iasc_result content_feed(const struct feed_request *rq, json_t **feed,
                              long long *last_modified);

/* ---- writes ---- */

enum write_op { WRITE_CREATE, WRITE_REPLACE, WRITE_UPDATE, WRITE_DELETE };

/* Who writes, for the audit log. */
struct writer {
  const char *token_id;
  const char *token_name;
};

/* The If-Match precondition of a write: absent, "*", or a list of strong tags. */
#define WRITE_MAX_TAGS 16
struct precondition {
  bool given;
  bool any;                         /* "*" */
  const char *tags[WRITE_MAX_TAGS]; /* quoted strong tags, "-gz" variants already mapped */
  size_t ntags;
};

/* One write of kind k. body: the client's JSON object (create, replace) or merge patch
 * (update); NULL for delete. target: the item's key (not for create). idem_key/idem_hash:
 * the Idempotency-Key and the hash of the request it stands for, or NULL. */
struct write_request {
  const struct content_kind *k;
  enum write_op op;
  const char *target;
  const json_t *body;
  const struct precondition *if_match;
  const struct writer *who;
  const char *idem_key;
  const char *idem_hash;
  const char *base;
};

/* What a write did. On success (IASC_OK) body holds the item's representation (NULL after
 * a delete), location and etag its URL and ETag. On refusal the result says why
 * (IASC_NOT_FOUND, IASC_PRECONDITION_FAILED, IASC_CONFLICT, IASC_INVALID, IASC_UNAVAILABLE,
 * IASC_INTERNAL), detail a sentence for people and errors a [{field, message}] array or
 * NULL. Every string is malloc'd and errors is a reference: free with write_outcome_free. */
struct write_outcome {
  bool created;
  char *body;
  char *location;
  char *etag;
  char *detail;
  json_t *errors;
};

/* Validates (schema.h), applies the write with its audit record in one transaction, and on
 * success runs the write hook once. An update without If-Match merges the patch into the
 * current version and retries when another write got in between. */
enum iasc_result content_write(const struct write_request *rq, struct write_outcome *out);
void write_outcome_free(struct write_outcome *out);

/* Called once after each successful write in this process, with the next instant (seconds
 * since the epoch, 0: none) at which public answers change by themselves (-1: unknown).
 * The http layer drops its cached answers here. Set once at start. */
typedef void (*content_write_hook)(long long next_change);
void content_set_write_hook(content_write_hook hook);

#endif
