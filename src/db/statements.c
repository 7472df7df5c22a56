/* statements.c: every SQL statement the server runs, named, in one table.
 * Parameters are always passed as parameters. List statements share one layout:
 * $1 base URL, $2 row limit (page size + 1), then the cursor keys (nkeys of them: NULL on a
 * first page), then the filters named in the entry, in that order (NULL: not filtered).
 * Each returns the item JSON first, then its cursor keys as text. tests/unit/db checks that
 * nparams, nkeys and the filters agree with the $n the SQL uses.
 *
 * A filter or cursor is written as an optional segment (WITH/WITHOUT, variant.h): the server
 * prepares one statement per set of given optional parameters, so each plan has exactly its
 * filters, written on the expressions its index holds, and an index scan starts at the cursor
 * or the range and stops after a page. Checked with EXPLAIN (ANALYZE, BUFFERS) on the bench
 * dataset (README, Performance notes); generic plans throughout (wait.c). */
#include "iasc/statements.h"

/* SQL kept only when parameter n is given (not NULL), or only when it is not. */
#define WITH(n, sql)    "{?" n " " sql "}"
#define WITHOUT(n, sql) "{!" n " " sql "}"

/* What the public may see of a row aliased t. */
#define VISIBLE                                                                                    \
  " t.deleted_at IS NULL AND t.status = 'published'"                                               \
  " AND (t.published_at IS NULL OR t.published_at <= now()) "

/* What a list shows: status s (NULL: published) and, when sch is true (token holders
 * with include=scheduled), items whose publication time is still to come. */
#define VISIBLE_AS(s, sch)                                                                         \
  " t.deleted_at IS NULL AND t.status = coalesce(" s "::text, 'published')"                        \
  " AND (coalesce(" sch "::boolean, false) OR t.status = 'draft' OR t.published_at IS NULL"        \
  " OR t.published_at <= now()) "

/* The newest-first order of news, publications and resources, as item_reads_order_idx holds
 * it. */
#define ORDER_KEY " coalesce(t.published_at, '-infinity') "

/* A newest-first list of kind reads its rows from item_reads t (migration 0012), in order from
 * one of its indexes, or, when its tag (parameter tag) is given, from item_tags_order_idx
 * (item_tags g: the same key, per tag). LIST_KEY and LIST_ID are the order key and id of that
 * index. LIST_FROM ends with "WHERE ... AND": the statement's conditions follow. */
#define LIST_FROM(kind, tag)                                                                       \
  " FROM" WITH(tag, " item_tags g JOIN") " item_reads t" WITH(                                     \
      tag, " ON t.kind = g.kind AND t.id = g.id AND g.tag = $" tag                                 \
           "::text") " WHERE t.kind = '" kind "' AND"
#define LIST_KEY(tag) WITH(tag, " g.k ") WITHOUT(tag, ORDER_KEY)
#define LIST_ID(tag)  WITH(tag, " g.id ") WITHOUT(tag, " t.id ")

/* The list representation of the item_reads row r of kind: its head, then the "url" member,
 * which depends on the base URL $1, and the closing brace (chr(125): templates hold no
 * braces of their own). */
#define LIST_JSON(r, kind)                                                                         \
  " " r ".head || ', \"url\" : ' || to_json($1::text || '/v1/" kind "/' || " r ".slug)::text"      \
  " || chr(125)"

/* Newest first by LIST_KEY, LIST_ID from the cursor in $3, $4 on: a row comparison on the
 * index's columns, so that the scan starts at the cursor. */
#define NEWEST_FIRST_PAGE(tag)                                                                     \
  WITH("3", " AND (" LIST_KEY(tag) "," LIST_ID(tag) ") < ($3::timestamptz, $4::uuid)")             \
  " ORDER BY" LIST_KEY(tag) "DESC," LIST_ID(tag) "DESC LIMIT $2::int"

/* from and to, inclusive Europe/London dates, on the list's order key: the scan starts at the
 * end of the range and stops at its start. `to` leaves undated items (key -infinity) out, as
 * published_at < x did. */
#define DATE_RANGE(tag, from, to)                                                                  \
  WITH(from, " AND" LIST_KEY(tag) ">= iasc_london_start($" from "::date)")                         \
  WITH(to, " AND" LIST_KEY(tag) "< iasc_london_start($" to                                         \
                                "::date + 1) AND" LIST_KEY(tag) "> '-infinity'")

/* A ranked list of kind: the page of ids and ranks from item_reads (the tsquery q of $q),
 * whose filters are the caller's, then each row's representation for that page only. */
#define RANKED_SELECT(kind)                                                                        \
  "SELECT" LIST_JSON("t", kind) ", p.rank::text, t.id::text FROM ("                                \
                                "SELECT t.id, ts_rank(t.vec, q.q) AS rank FROM item_reads t,"
#define RANKED_WHERE(kind, q)                                                                      \
  " websearch_to_tsquery('english', $" q "::text) AS q(q)"                                         \
  " WHERE t.kind = '" kind "' AND t.vec @@ q.q AND"
#define RANKED_ORDER(kind)                                                                         \
  WITH("3", " AND (ts_rank(t.vec, q.q), t.id) < ($3::real, $4::uuid)")                             \
  " ORDER BY rank DESC, t.id DESC LIMIT $2::int) p JOIN item_reads t ON t.kind = '" kind           \
  "' AND t.id = p.id ORDER BY p.rank DESC, t.id DESC"

/* Visible in the sync stream: as VISIBLE, except that a scheduled item counts only once
 * its going live has been recorded as a change (iasc_publish_due), so that it never
 * appears below a time already served. */
#define VISIBLE_IN_SYNC                                                                            \
  " t.deleted_at IS NULL AND t.status = 'published'"                                               \
  " AND (t.published_at IS NULL OR t.published_at <= t.updated_at) "

/* The sync stream (tombstones only for rows the public has seen, under their last public
 * slug: drafts and scheduled items that were never public stay unknown): $3, $4 cursor
 * (updated_at, id), $5 updated_since, $6 include_deleted. The cursor is a row comparison on
 * *_updated_idx, so that each page starts where the last one ended. join: the tables json
 * reads beside t. */
#define SYNC(table, json, join, idtype)                                                            \
  "SELECT CASE WHEN " VISIBLE_IN_SYNC " THEN " json                                                \
  " ELSE iasc_tombstone_json(t.id::text, t.public_slug, t.updated_at)::text END,"                  \
  " t.updated_at::text, t.id::text FROM " table " t" join " WHERE t.updated_at >= $5::timestamptz" \
  " AND ((" VISIBLE_IN_SYNC ") OR ($6::boolean AND t.public_slug IS NOT NULL))" WITH(              \
      "3", " AND (t.updated_at, t.id) > ($3::timestamptz, $4::" idtype                             \
           ")") " ORDER BY t.updated_at, t.id LIMIT $2::int"
/* The representation of a row of the sync stream of kind: from item_reads j, or made by
 * fallback when it has none there. */
#define SYNC_JOIN(kind)           " LEFT JOIN item_reads j ON j.kind = '" kind "' AND j.id = t.id"
#define SYNC_JSON(kind, fallback) " coalesce(" LIST_JSON("j", kind) ", " fallback "::text)"

#define LONDON_TODAY " iasc_london_date(now()) "

/* A feed's source (news or publications) with its own filters: the newest 50 of its visible
 * items, for the tag $3 when it is given. */
#define FEED_SOURCE(kind, filters)                                                                 \
  "(SELECT '" kind "'::text AS kind, t.id," LIST_KEY("3") "AS k" LIST_FROM(                        \
      kind, "3") " $2::text IN ('" kind "', 'all') AND" VISIBLE filters                            \
                 " ORDER BY" LIST_KEY("3") "DESC," LIST_ID("3") "DESC LIMIT 50)"
/* A type leaves news out. */
#define FEED_NEWS         FEED_SOURCE("news", WITH("4", " AND false"))
#define FEED_PUBLICATIONS FEED_SOURCE("publications", WITH("4", " AND t.type = $4::text"))

/* news_list from its representation to its conditions: $5 tag, $8 status, $9 scheduled. */
#define NEWS_LIST_FROM_WHERE                                                                       \
  LIST_JSON("t", "news")                                                                           \
  "," LIST_KEY("5") "::text, t.id::text" LIST_FROM("news", "5") VISIBLE_AS("$8", "$9")

const struct statement STATEMENTS[STMT_COUNT] = {
    [STMT_PING] = {"ping", "SELECT 1", 0, 0, {FILTER_NONE}},

    /* $5 tag, $6 from, $7 to */
    [STMT_NEWS_LIST] = {"news_list",
                        "SELECT" NEWS_LIST_FROM_WHERE DATE_RANGE("5", "6", "7")
                            NEWEST_FIRST_PAGE("5"),
                        9,
                        2,
                        {FILTER_TAG, FILTER_FROM, FILTER_TO, FILTER_STATUS, FILTER_SCHEDULED}},
    /* $5 q, $6 tag, $7 from, $8 to */
    [STMT_NEWS_LIST_RANKED] =
        {"news_list_ranked",
         RANKED_SELECT("news") RANKED_WHERE("news", "5") VISIBLE_AS("$9", "$10")
             WITH("6", " AND t.tags @> ARRAY[$6::text]")
                 WITH("7", " AND t.published_at >= iasc_london_start($7::date)")
                     WITH("8", " AND t.published_at < iasc_london_start($8::date + 1)")
                         RANKED_ORDER("news"),
         10,
         2,
         {FILTER_Q, FILTER_TAG, FILTER_FROM, FILTER_TO, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_NEWS_SYNC] = {"news_sync",
                        SYNC("news", SYNC_JSON("news", "iasc_news_json(t, $1, false)"),
                             SYNC_JOIN("news"), "uuid"),
                        6,
                        2,
                        {FILTER_SINCE, FILTER_DELETED}},
    [STMT_NEWS_GET] = {"news_get",
                       "SELECT iasc_news_json(t, $1, true)::text, iasc_etag(t.id::text, t.version),"
                       " ceil(extract(epoch FROM t.updated_at))::bigint"
                       " FROM news t WHERE t.slug = $2::text AND t.deleted_at IS NULL"
                       " AND ($3::boolean OR (" VISIBLE "))",
                       3,
                       0,
                       {FILTER_NONE}},

/* $5 type, $6 tag (item_tags), $7 year, $8 status, $9 scheduled: type and year are read in
 * order from their own indexes (migration 0012). */
#define PUBLICATION_LIST_FROM_WHERE                                                                \
  LIST_JSON("t", "publications")                                                                   \
  "," LIST_KEY("6") "::text, t.id::text" LIST_FROM("publications", "6") VISIBLE_AS("$8", "$9")
#define PUBLICATION_FILTERS                                                                        \
  WITH("5", " AND t.type = $5::text")                                                              \
  WITH("7", " AND iasc_publication_year(t.published_at, t.published_approx) = $7::int")
    [STMT_PUBLICATIONS_LIST] =
        {"publications_list",
         "SELECT" PUBLICATION_LIST_FROM_WHERE PUBLICATION_FILTERS NEWEST_FIRST_PAGE("6"),
         9,
         2,
         {FILTER_TYPE, FILTER_TAG, FILTER_YEAR, FILTER_STATUS, FILTER_SCHEDULED}},
    /* $5 q, $6 type, $7 tag, $8 year */
    [STMT_PUBLICATIONS_LIST_RANKED] =
        {"publications_list_ranked",
         RANKED_SELECT("publications") RANKED_WHERE("publications", "5") VISIBLE_AS("$9", "$10")
             WITH("6", " AND t.type = $6::text") WITH("7", " AND t.tags @> ARRAY[$7::text]")
                 WITH("8", " AND iasc_publication_year(t.published_at, t.published_approx)"
                           " = $8::int") RANKED_ORDER("publications"),
         10,
         2,
         {FILTER_Q, FILTER_TYPE, FILTER_TAG, FILTER_YEAR, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_PUBLICATIONS_SYNC] = {"publications_sync",
                                SYNC("publications",
                                     SYNC_JSON("publications", "iasc_publication_json(t, $1)"),
                                     SYNC_JOIN("publications"), "uuid"),
                                6,
                                2,
                                {FILTER_SINCE, FILTER_DELETED}},
    [STMT_PUBLICATIONS_GET] =
        {"publications_get",
         "SELECT iasc_publication_json(t, $1)::text, iasc_etag(t.id::text, t.version),"
         " ceil(extract(epoch FROM t.updated_at))::bigint"
         " FROM publications t WHERE t.slug = $2::text AND t.deleted_at IS NULL"
         " AND ($3::boolean OR (" VISIBLE "))",
         3,
         0,
         {FILTER_NONE}},

/* Helplines valid today: $5 jurisdiction (UK-wide lines too), $6 urgency; the cursor
 * (position, id) in $3, $4. */
#define HELPLINE_FILTERS                                                                           \
  WITH("5", " AND ($5::text = ANY(t.jurisdictions) OR 'United Kingdom' = ANY(t.jurisdictions))")   \
  WITH("6", " AND t.urgency = $6::text")                                                           \
  WITH("3", " AND (t.position, t.id) > ($3::int, $4::uuid)")
#define VALID_TODAY                                                                                \
  " AND (t.valid_from IS NULL OR t.valid_from <=" LONDON_TODAY ")"                                 \
  " AND (t.valid_to IS NULL OR t.valid_to >=" LONDON_TODAY ")"
    [STMT_HELPLINES_LIST] = {"helplines_list",
                             "SELECT iasc_helpline_json(t, $1)::text, t.position::text, t.id::text"
                             " FROM helplines t WHERE" VISIBLE_AS("$7", "$8")
                                 VALID_TODAY HELPLINE_FILTERS
                             " ORDER BY t.position, t.id LIMIT $2::int",
                             8,
                             2,
                             {FILTER_JURISDICTION, FILTER_URGENCY, FILTER_STATUS,
                              FILTER_SCHEDULED}},
    [STMT_HELPLINES_SYNC] = {"helplines_sync",
                             SYNC("helplines", "iasc_helpline_json(t, $1)::text", "", "uuid"),
                             6,
                             2,
                             {FILTER_SINCE, FILTER_DELETED}},
    [STMT_HELPLINES_GET] =
        {"helplines_get",
         "SELECT iasc_helpline_json(t, $1)::text, iasc_etag(t.id::text, t.version),"
         " ceil(extract(epoch FROM t.updated_at))::bigint"
         " FROM helplines t WHERE t.slug = $2::text AND t.deleted_at IS NULL"
         " AND ($3::boolean OR (" VISIBLE "))",
         3,
         0,
         {FILTER_NONE}},

/* $7 jurisdiction, $8 category, $9 on (NULL: today in London) unless $10 history; the cursor
 * (jurisdiction, category, effective_from, id) in $3..$6. */
#define SUPPORT_RATE_FILTERS                                                                       \
  WITH("7", " AND t.jurisdiction = $7::text")                                                      \
  WITH("8", " AND t.category = $8::text")                                                          \
  " AND ($10::boolean OR ((t.effective_from IS NULL"                                               \
  " OR t.effective_from <= coalesce($9::date," LONDON_TODAY "))"                                   \
  " AND coalesce(iasc_support_rate_in_force_to(t.id), 'infinity')"                                 \
  " >= coalesce($9::date," LONDON_TODAY                                                            \
  ")))" WITH("3",                                                                                  \
             " AND (t.jurisdiction, t.category, coalesce(t.effective_from, '-infinity'), t.id)"    \
             " > ($3::text, $4::text, $5::date, $6::text)")
    [STMT_SUPPORT_RATES_LIST] = {"support_rates_list",
                                 "SELECT iasc_support_rate_json(t, $1)::text, t.jurisdiction,"
                                 " t.category, coalesce(t.effective_from, '-infinity')::text, t.id"
                                 " FROM support_rates t WHERE" VISIBLE_AS("$11", "$12")
                                     SUPPORT_RATE_FILTERS
                                 " ORDER BY t.jurisdiction, t.category,"
                                 " coalesce(t.effective_from, '-infinity'),"
                                 " t.id LIMIT $2::int",
                                 12,
                                 4,
                                 {FILTER_JURISDICTION, FILTER_CATEGORY, FILTER_ON, FILTER_HISTORY,
                                  FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_SUPPORT_RATES_SYNC] = {"support_rates_sync",
                                 SYNC("support_rates", "iasc_support_rate_json(t, $1)::text", "",
                                      "text"),
                                 6,
                                 2,
                                 {FILTER_SINCE, FILTER_DELETED}},
    [STMT_SUPPORT_RATES_GET] =
        {"support_rates_get",
         "SELECT iasc_support_rate_json(t, $1)::text, iasc_etag(t.id::text, t.version),"
         " ceil(extract(epoch FROM t.updated_at))::bigint"
         " FROM support_rates t WHERE t.id = $2::text AND t.deleted_at IS NULL"
         " AND ($3::boolean OR (" VISIBLE "))",
         3,
         0,
         {FILTER_NONE}},

/* $5 collection, $6 type, $7 tag (item_tags), $8 status, $9 scheduled. */
#define RESOURCE_LIST_FROM_WHERE                                                                   \
  LIST_JSON("t", "resources")                                                                      \
  "," LIST_KEY("7") "::text, t.id::text" LIST_FROM("resources", "7") VISIBLE_AS("$8", "$9")
#define RESOURCE_FILTERS                                                                           \
  WITH("5", " AND t.collection = $5::text") WITH("6", " AND t.type = $6::text")
    [STMT_RESOURCES_LIST] = {"resources_list",
                             "SELECT" RESOURCE_LIST_FROM_WHERE RESOURCE_FILTERS NEWEST_FIRST_PAGE(
                                 "7"),
                             9,
                             2,
                             {FILTER_COLLECTION, FILTER_TYPE, FILTER_TAG, FILTER_STATUS,
                              FILTER_SCHEDULED}},
    /* $5 q, $6 collection, $7 type, $8 tag */
    [STMT_RESOURCES_LIST_RANKED] =
        {"resources_list_ranked",
         RANKED_SELECT("resources") RANKED_WHERE("resources", "5") VISIBLE_AS("$9", "$10")
             WITH("6", " AND t.collection = $6::text") WITH("7", " AND t.type = $7::text")
                 WITH("8", " AND t.tags @> ARRAY[$8::text]") RANKED_ORDER("resources"),
         10,
         2,
         {FILTER_Q, FILTER_COLLECTION, FILTER_TYPE, FILTER_TAG, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_RESOURCES_SYNC] = {"resources_sync",
                             SYNC("resources", SYNC_JSON("resources", "iasc_resource_json(t, $1)"),
                                  SYNC_JOIN("resources"), "uuid"),
                             6,
                             2,
                             {FILTER_SINCE, FILTER_DELETED}},
    [STMT_RESOURCES_GET] =
        {"resources_get",
         "SELECT iasc_resource_json(t, $1)::text, iasc_etag(t.id::text, t.version),"
         " ceil(extract(epoch FROM t.updated_at))::bigint"
         " FROM resources t WHERE t.slug = $2::text AND t.deleted_at IS NULL"
         " AND ($3::boolean OR (" VISIBLE "))",
         3,
         0,
         {FILTER_NONE}},

    /* Tokens: looked up by the SHA-256 of the presented secret. */
    [STMT_TOKEN_LOOKUP] = {"token_lookup",
                           "SELECT id::text, name, array_to_string(scopes, ','),"
                           " expires_at IS NOT NULL AND expires_at <= now(),"
                           " revoked_at IS NOT NULL, token_hash FROM tokens WHERE token_hash = $1",
                           1,
                           0,
                           {FILTER_NONE}},
    /* last_used_at, written at most once a minute per token. */
    [STMT_TOKEN_TOUCH] =
        {"token_touch",
         "UPDATE tokens SET last_used_at = now() WHERE id = $1::uuid"
         " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
         1,
         0,
         {FILTER_NONE}},
    /* The token commands: create (the hash only), list, revoke. */
    [STMT_TOKEN_CREATE] = {"token_create",
                           "INSERT INTO tokens (name, token_hash, scopes, expires_at)"
                           " VALUES ($1, $2, string_to_array($3, ','), now() + $4::interval)"
                           " RETURNING id, scopes, expires_at",
                           4,
                           0,
                           {FILTER_NONE}},
    [STMT_TOKEN_LIST] = {"token_list",
                         "SELECT id, name, array_to_string(scopes, ','), created_at,"
                         " coalesce(expires_at::text, 'never'), coalesce(last_used_at::text, '-'),"
                         " coalesce(revoked_at::text, '-') FROM tokens ORDER BY created_at, id",
                         0,
                         0,
                         {FILTER_NONE}},
    [STMT_TOKEN_REVOKE] = {"token_revoke",
                           "UPDATE tokens SET revoked_at = coalesce(revoked_at, now())"
                           " WHERE id::text = $1 RETURNING revoked_at",
                           1,
                           0,
                           {FILTER_NONE}},
    /* Every write: see iasc_write in sql/migrations/0010_write_outcomes.sql. */
    [STMT_WRITE] = {"write",
                    "SELECT outcome, body, location, etag FROM iasc_write($1::text, $2::text,"
                    " $3::text, $4::jsonb, $5::text[], $6::uuid, $7::text, $8::text, $9::text,"
                    " $10::text)",
                    10,
                    0,
                    {FILTER_NONE}},
    /* $3 cursor (id); $4 type, $5 item (id or slug). Newest first. */
    [STMT_AUDIT_LIST] =
        {"audit_list",
         "SELECT json_build_object('id', a.id, 'at', iasc_ts(a.at),"
         " 'token_id', a.token_id, 'token_name', a.token_name, 'action', a.action,"
         " 'type', a.item_type, 'item_id', a.item_id, 'item_slug', a.item_slug,"
         " 'before', a.before, 'after', a.after,"
         " 'item_url', $1::text || '/v1/' || a.item_type || '/' || a.item_slug)::text,"
         " a.id::text"
         " FROM audit_log a WHERE true" WITH("4", " AND a.item_type = $4::text")
             WITH("5", " AND (a.item_id = $5::text OR a.item_slug = $5::text)")
                 WITH("3", " AND a.id < $3::bigint") " ORDER BY a.id DESC LIMIT $2::int",
         5,
         1,
         {FILTER_TYPE, FILTER_ITEM}},

    /* The newest 50 entries of a feed. $1 base, $2 news|publications|all, $3 tag, $4
     * publication type (excludes news). Each source gives its newest 50 from its order index
     * (or item_tags_order_idx for a tag), and the entries are built for the 50 kept only.
     * Returns the entries as a JSON array, and the time of the last change to the feed's
     * sources. */
    [STMT_FEED] = {"feed",
                   "WITH items AS (" FEED_NEWS " UNION ALL " FEED_PUBLICATIONS "),"
                   " top AS (SELECT * FROM items ORDER BY k DESC, id DESC LIMIT 50)"
                   " SELECT coalesce(json_agg(json_build_object('id', 'urn:uuid:' || p.id,"
                   " 'title', x.title, 'link', $1::text || '/v1/' || p.kind || '/' || x.slug,"
                   " 'published', iasc_ts_s(x.published_at), 'updated', iasc_ts(x.updated_at),"
                   " 'summary', x.summary, 'content_html', x.body_html, 'categories', x.tags,"
                   " 'documents', CASE WHEN p.kind = 'publications'"
                   " THEN iasc_publication_documents(p.id) END)"
                   " ORDER BY p.k DESC, p.id DESC), '[]')::text,"
                   " iasc_ts(coalesce(iasc_feed_last_change($2::text), 'epoch')),"
                   " ceil(extract(epoch FROM"
                   " coalesce(iasc_feed_last_change($2::text), 'epoch')))::bigint"
                   " FROM top p CROSS JOIN LATERAL ("
                   " SELECT t.slug, t.title, t.summary, t.body_html, t.published_at, t.updated_at,"
                   " t.tags FROM news t WHERE p.kind = 'news' AND t.id = p.id"
                   " UNION ALL SELECT t.slug, t.title, t.summary, t.body_html, t.published_at,"
                   " t.updated_at, t.tags FROM publications t"
                   " WHERE p.kind = 'publications' AND t.id = p.id) x",
                   4,
                   0,
                   {FILTER_NONE}},
    /* Records scheduled items whose time has come as changes (see migration 0005). */
    [STMT_PUBLISH_DUE] = {"publish_due", "SELECT iasc_publish_due()", 0, 0, {FILTER_NONE}},
    /* When public answers next change by themselves (seconds since the epoch, rounded down so
     * that answers expire no later than the change; 0: never). */
    [STMT_NEXT_CHANGE] = {"next_change",
                          "SELECT coalesce(floor(extract(epoch FROM iasc_next_scheduled_change())),"
                          " 0)::bigint",
                          0,
                          0,
                          {FILTER_NONE}},
    /* A Europe/London date's first instant (RFC 3339, UTC), and the London date of $2 (a
     * timestamp, or NULL), for writes that date a publication by its day. */
    [STMT_LONDON_DAY] = {"london_day",
                         "SELECT iasc_ts_s(($1::date)::timestamp AT TIME ZONE 'Europe/London'),"
                         " iasc_london_date($2::timestamptz)::text",
                         2,
                         0,
                         {FILTER_NONE}},

    /* $3..$5 cursor (rank, type, id); $6 q; $7 types (text[]). Ranked, then type, id: every
     * hit ranked from item_reads (no TOAST read), the page's rows then fetched and their
     * snippets made from the opening of their text (iasc_search_snippet). */
    [STMT_SEARCH] =
        {"search",
         "WITH q AS (SELECT websearch_to_tsquery('english', $6::text) AS q),"
         " page AS (SELECT t.kind, t.id, ts_rank(t.vec, q.q) AS rank FROM item_reads t, q"
         " WHERE t.vec @@ q.q AND t.kind = ANY($7::text[]) AND" VISIBLE WITH(
             "3",
             " AND (ts_rank(t.vec, q.q) < $3::real OR (ts_rank(t.vec, q.q) = $3::real"
             " AND (t.kind, t.id) > ($4::text, $5::uuid)))") " ORDER BY rank DESC, t.kind, t.id "
                                                             "LIMIT $2::int)"
                                                             " SELECT json_build_object('type', "
                                                             "p.kind, 'id', p.id, 'slug', x.slug,"
                                                             " 'title', x.title, 'summary', "
                                                             "x.summary,"
                                                             " 'url', $1::text || '/v1/' || p.kind "
                                                             "|| '/' || x.slug, 'snippet', "
                                                             "x.snippet,"
                                                             " 'published_at', "
                                                             "iasc_ts_s(x.published_at), 'rank', "
                                                             "p.rank)::text,"
                                                             " p.rank::text, p.kind, p.id::text"
                                                             " FROM page p CROSS JOIN q CROSS JOIN "
                                                             "LATERAL ("
                                                             " SELECT t.slug, t.title, t.summary, "
                                                             "t.published_at,"
                                                             " iasc_search_snippet(t.summary, "
                                                             "t.body_markdown, q.q) AS snippet"
                                                             " FROM news t WHERE p.kind = 'news' "
                                                             "AND t.id = p.id"
                                                             " UNION ALL SELECT t.slug, t.title, "
                                                             "t.summary, t.published_at,"
                                                             " iasc_search_snippet(t.summary, "
                                                             "t.body_markdown, q.q)"
                                                             " FROM publications t WHERE p.kind = "
                                                             "'publications' AND t.id = p.id"
                                                             " UNION ALL SELECT t.slug, t.title, "
                                                             "t.summary, t.published_at,"
                                                             " iasc_snippet(concat_ws(' ', "
                                                             "t.summary, t.organisation, t.role), "
                                                             "q.q)"
                                                             " FROM resources t WHERE p.kind = "
                                                             "'resources' AND t.id = p.id) x"
                                                             " ORDER BY p.rank DESC, p.kind, p.id",
         7,
         3,
         {FILTER_Q, FILTER_TYPES}},
};
