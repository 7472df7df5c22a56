/* statements.h: the names of every prepared statement (their SQL is in src/db/statements.c). */
#ifndef IASC_STATEMENTS_H
#define IASC_STATEMENTS_H

enum stmt_id {
  STMT_PING,
  STMT_NEWS_LIST,
  STMT_NEWS_LIST_RANKED,
  STMT_NEWS_SYNC,
  STMT_NEWS_GET,
  STMT_PUBLICATIONS_LIST,
  STMT_PUBLICATIONS_LIST_RANKED,
  STMT_PUBLICATIONS_SYNC,
  STMT_PUBLICATIONS_GET,
  STMT_HELPLINES_LIST,
  STMT_HELPLINES_SYNC,
  STMT_HELPLINES_GET,
  STMT_SUPPORT_RATES_LIST,
  STMT_SUPPORT_RATES_SYNC,
  STMT_SUPPORT_RATES_GET,
  STMT_RESOURCES_LIST,
  STMT_RESOURCES_LIST_RANKED,
  STMT_RESOURCES_SYNC,
  STMT_RESOURCES_GET,
  STMT_SEARCH,
  STMT_TOKEN_LOOKUP,
  STMT_TOKEN_TOUCH,
  STMT_TOKEN_CREATE,
  STMT_TOKEN_LIST,
  STMT_TOKEN_REVOKE,
  STMT_WRITE,
  STMT_AUDIT_LIST,
  STMT_FEED,
  STMT_PUBLISH_DUE,
  STMT_NEXT_CHANGE,
  STMT_LONDON_DAY,
  STMT_COUNT
};

/* The filters a listing binds, by name. A list statement names the ones it takes, in the
 * order of its parameters after the cursor keys; a route sets them in struct listing by
 * these names, so a new filter is one entry here, one in the statement and one in the route. */
enum filter {
  FILTER_NONE, /* ends a statement's list */
  FILTER_Q,
  FILTER_TAG,
  FILTER_FROM,
  FILTER_TO,
  FILTER_TYPE,
  FILTER_TYPES, /* a text[] literal */
  FILTER_YEAR,
  FILTER_COLLECTION,
  FILTER_JURISDICTION,
  FILTER_URGENCY,
  FILTER_CATEGORY,
  FILTER_ON,
  FILTER_HISTORY,
  FILTER_ITEM,
  FILTER_STATUS,    /* draft | published; NULL: published */
  FILTER_SCHEDULED, /* "true": also items scheduled for later */
  FILTER_SINCE,     /* the sync stream's updated_since */
  FILTER_DELETED,   /* the sync stream's include_deleted, "true" | "false" */
  FILTER_COUNT
};

#define STATEMENT_MAX_FILTERS 8

struct statement {
  const char *name;
  const char *sql;
  int nparams;
  /* List statements only: $3.. are nkeys cursor keys, then the filters (FILTER_NONE ends). */
  int nkeys;
  enum filter filters[STATEMENT_MAX_FILTERS];
};

extern const struct statement STATEMENTS[STMT_COUNT];

/* Optional parts of a statement's SQL: a segment "{?n ...}" is kept only when $n is given
 * (not NULL), "{!n ...}" only when it is not; segments nest. Each set of given optional
 * parameters is its own prepared statement, so that its plan suits exactly the filters it has
 * (an absent filter costs nothing, a present one can bound an index scan); its text comes
 * from this table alone, never from input. At most STATEMENT_MAX_OPTIONAL optional
 * parameters per statement: 64 variants, each prepared on first use. */
#define STATEMENT_MAX_OPTIONAL 6

/* The SQL of statement id when the parameters in given (bit n-1: $n is given) are given and
 * the others NULL, with $n numbered as in the table (the server renumbers them when it
 * prepares the variant). Returns a malloc'd string, or NULL when out of memory. */
char *statement_sql(enum stmt_id id, unsigned given);

#endif
