/* statements.c: every SQL statement the server runs, named, in one table.
 * Parameters are always passed as parameters. List statements share one layout:
 * $1 base URL, $2 row limit (page size + 1), then the cursor keys (nkeys of them: NULL on a
 * first page), then the filters named in the entry, in that order (NULL: not filtered).
 * Each returns the item JSON first, then its cursor keys as text. tests/unit/db checks that
 * nparams, nkeys and the filters agree with the $n the SQL uses. */
#include "iasc/statements.h"

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

#define ORDER_KEY " coalesce(t.published_at, '-infinity') "

/* Newest-first keyset over ORDER_KEY, id with the cursor in $3, $4. */
#define NEWEST_FIRST_PAGE(idtype)                                                                  \
  " AND ($3::timestamptz IS NULL OR (" ORDER_KEY ", t.id) < ($3::timestamptz, $4::" idtype ")) "   \
  " ORDER BY " ORDER_KEY " DESC, t.id DESC LIMIT $2::int"

/* Ranked keyset with the cursor (rank, id) in $3, $4 and the tsquery as q. */
#define RANKED_PAGE                                                                                \
  " AND ($3::real IS NULL OR (ts_rank(t.search, q.q), t.id) < ($3::real, $4::uuid)) "              \
  " ORDER BY ts_rank(t.search, q.q) DESC, t.id DESC LIMIT $2::int"

/* Visible in the sync stream: as VISIBLE, except that a scheduled item counts only once
 * its going live has been recorded as a change (iasc_publish_due), so that it never
 * appears below a time already served. */
#define VISIBLE_IN_SYNC                                                                            \
  " t.deleted_at IS NULL AND t.status = 'published'"                                               \
  " AND (t.published_at IS NULL OR t.published_at <= t.updated_at) "

/* The sync stream (tombstones only for rows the public has seen, under their last public
 * slug: drafts and scheduled items that were never public stay unknown): $3, $4 cursor (updated_at,
 * id), $5 updated_since, $6 include_deleted. */
#define SYNC(table, json, idtype)                                                                  \
  "SELECT CASE WHEN " VISIBLE_IN_SYNC " THEN " json                                                \
  " ELSE iasc_tombstone_json(t.id::text, t.public_slug, t.updated_at) END::text,"                  \
  " t.updated_at::text, t.id::text FROM " table " t"                                               \
  " WHERE t.updated_at >= $5::timestamptz"                                                         \
  " AND ((" VISIBLE_IN_SYNC ") OR ($6::boolean AND t.public_slug IS NOT NULL))"                    \
  " AND ($3::timestamptz IS NULL OR (t.updated_at, t.id) > ($3::timestamptz, $4::" idtype "))"     \
  " ORDER BY t.updated_at, t.id LIMIT $2::int"

#define LONDON_TODAY " iasc_london_date(now()) "

const struct statement STATEMENTS[STMT_COUNT] = {
    [STMT_PING] = {"ping", "SELECT 1", 0, 0, {FILTER_NONE}},

    /* $5 tag, $6 from, $7 to */
    [STMT_NEWS_LIST] =
        {"news_list",
         "SELECT iasc_news_json(t, $1, false)::text," ORDER_KEY "::text, t.id::text"
         " FROM news t WHERE" VISIBLE_AS(
             "$8", "$9") " AND ($5::text IS NULL OR t.tags @> ARRAY[$5::text])"
                         " AND ($6::date IS NULL OR t.published_at >= iasc_london_start($6::date))"
                         " AND ($7::date IS NULL OR t.published_at < iasc_london_start($7::date + "
                         "1))" NEWEST_FIRST_PAGE("uuid"),
         9,
         2,
         {FILTER_TAG, FILTER_FROM, FILTER_TO, FILTER_STATUS, FILTER_SCHEDULED}},
    /* $5 q, $6 tag, $7 from, $8 to */
    [STMT_NEWS_LIST_RANKED] =
        {"news_list_ranked",
         "SELECT iasc_news_json(t, $1, false)::text,"
         " ts_rank(t.search, q.q)::text, t.id::text"
         " FROM news t, websearch_to_tsquery('english', $5::text) AS q(q)"
         " WHERE" VISIBLE_AS(
             "$9", "$10") " AND t.search @@ q.q"
                          " AND ($6::text IS NULL OR t.tags @> ARRAY[$6::text])"
                          " AND ($7::date IS NULL OR t.published_at >= iasc_london_start($7::date))"
                          " AND ($8::date IS NULL OR t.published_at < iasc_london_start($8::date + "
                          "1))" RANKED_PAGE,
         10,
         2,
         {FILTER_Q, FILTER_TAG, FILTER_FROM, FILTER_TO, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_NEWS_SYNC] = {"news_sync",
                        SYNC("news", "iasc_news_json(t, $1, false)", "uuid"),
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

/* $5 type, $6 tag, $7 year */
#define PUBLICATION_FILTERS(type, tag, year)                                                       \
  " AND (" type "::text IS NULL OR t.type = " type "::text)"                                       \
  " AND (" tag "::text IS NULL OR t.tags @> ARRAY[" tag "::text])"                                 \
  " AND (" year "::int IS NULL OR " year "::int = CASE WHEN t.published_at IS NOT NULL"            \
  " THEN extract(year FROM t.published_at AT TIME ZONE 'Europe/London')::int"                      \
  " ELSE substr(t.published_approx, 1, 4)::int END)"
    [STMT_PUBLICATIONS_LIST] = {"publications_list",
                                "SELECT iasc_publication_json(t, $1)::text," ORDER_KEY
                                "::text, t.id::text FROM publications t WHERE" VISIBLE_AS("$8",
                                                                                          "$9")
                                    PUBLICATION_FILTERS("$5", "$6", "$7") NEWEST_FIRST_PAGE("uuid"),
                                9,
                                2,
                                {FILTER_TYPE, FILTER_TAG, FILTER_YEAR, FILTER_STATUS,
                                 FILTER_SCHEDULED}},
    /* $5 q, $6 type, $7 tag, $8 year */
    [STMT_PUBLICATIONS_LIST_RANKED] =
        {"publications_list_ranked",
         "SELECT iasc_publication_json(t, $1)::text,"
         " ts_rank(t.search, q.q)::text, t.id::text"
         " FROM publications t,"
         " websearch_to_tsquery('english', $5::text) AS q(q)"
         " WHERE" VISIBLE_AS("$9", "$10") " AND t.search @@ q.q" PUBLICATION_FILTERS(
             "$6", "$7", "$8") RANKED_PAGE,
         10,
         2,
         {FILTER_Q, FILTER_TYPE, FILTER_TAG, FILTER_YEAR, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_PUBLICATIONS_SYNC] = {"publications_sync",
                                SYNC("publications", "iasc_publication_json(t, $1)", "uuid"),
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

    /* $3, $4 cursor (position, id); $5 jurisdiction, $6 urgency. Only lines valid today. */
    [STMT_HELPLINES_LIST] =
        {"helplines_list",
         "SELECT iasc_helpline_json(t, $1)::text, t.position::text, t.id::text"
         " FROM helplines t WHERE" VISIBLE_AS(
             "$7", "$8") " AND (t.valid_from IS NULL OR t.valid_from <=" LONDON_TODAY ")"
                         " AND (t.valid_to IS NULL OR t.valid_to >=" LONDON_TODAY ")"
                         " AND ($5::text IS NULL OR $5::text = ANY(t.jurisdictions)"
                         " OR 'United Kingdom' = ANY(t.jurisdictions))"
                         " AND ($6::text IS NULL OR t.urgency = $6::text)"
                         " AND ($3::int IS NULL OR (t.position, t.id) > ($3::int, $4::uuid))"
                         " ORDER BY t.position, t.id LIMIT $2::int",
         8,
         2,
         {FILTER_JURISDICTION, FILTER_URGENCY, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_HELPLINES_SYNC] = {"helplines_sync",
                             SYNC("helplines", "iasc_helpline_json(t, $1)", "uuid"),
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

    /* $3..$6 cursor (jurisdiction, category, effective_from, id); $7 jurisdiction,
     * $8 category, $9 on (date; NULL: today in London), $10 history. */
    [STMT_SUPPORT_RATES_LIST] =
        {"support_rates_list",
         "SELECT iasc_support_rate_json(t, $1)::text, t.jurisdiction,"
         " t.category, coalesce(t.effective_from, '-infinity')::text, t.id"
         " FROM support_rates t WHERE" VISIBLE_AS(
             "$11", "$12") " AND ($7::text IS NULL OR t.jurisdiction = $7::text)"
                           " AND ($8::text IS NULL OR t.category = $8::text)"
                           " AND ($10::boolean OR ((t.effective_from IS NULL"
                           " OR t.effective_from <= coalesce($9::date," LONDON_TODAY "))"
                           " AND coalesce(iasc_support_rate_in_force_to(t.id), 'infinity')"
                           " >= coalesce($9::date," LONDON_TODAY ")))"
                           " AND ($3::text IS NULL OR (t.jurisdiction, t.category,"
                           " coalesce(t.effective_from, '-infinity'), t.id)"
                           " > ($3::text, $4::text, $5::date, $6::text))"
                           " ORDER BY t.jurisdiction, t.category,"
                           " coalesce(t.effective_from, '-infinity'), t.id LIMIT $2::int",
         12,
         4,
         {FILTER_JURISDICTION, FILTER_CATEGORY, FILTER_ON, FILTER_HISTORY, FILTER_STATUS,
          FILTER_SCHEDULED}},
    [STMT_SUPPORT_RATES_SYNC] = {"support_rates_sync",
                                 SYNC("support_rates", "iasc_support_rate_json(t, $1)", "text"),
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

/* $5 collection, $6 type, $7 tag */
#define RESOURCE_FILTERS(collection, type, tag)                                                    \
  " AND (" collection "::text IS NULL OR t.collection = " collection "::text)"                     \
  " AND (" type "::text IS NULL OR t.type = " type "::text)"                                       \
  " AND (" tag "::text IS NULL OR t.tags @> ARRAY[" tag "::text])"
    [STMT_RESOURCES_LIST] = {"resources_list",
                             "SELECT iasc_resource_json(t, $1)::text," ORDER_KEY
                             "::text, t.id::text FROM resources t WHERE" VISIBLE_AS("$8", "$9")
                                 RESOURCE_FILTERS("$5", "$6", "$7") NEWEST_FIRST_PAGE("uuid"),
                             9,
                             2,
                             {FILTER_COLLECTION, FILTER_TYPE, FILTER_TAG, FILTER_STATUS,
                              FILTER_SCHEDULED}},
    /* $5 q, $6 collection, $7 type, $8 tag */
    [STMT_RESOURCES_LIST_RANKED] =
        {"resources_list_ranked",
         "SELECT iasc_resource_json(t, $1)::text,"
         " ts_rank(t.search, q.q)::text, t.id::text"
         " FROM resources t,"
         " websearch_to_tsquery('english', $5::text) AS q(q)"
         " WHERE" VISIBLE_AS("$9", "$10") " AND t.search @@ q.q" RESOURCE_FILTERS("$6", "$7", "$8")
             RANKED_PAGE,
         10,
         2,
         {FILTER_Q, FILTER_COLLECTION, FILTER_TYPE, FILTER_TAG, FILTER_STATUS, FILTER_SCHEDULED}},
    [STMT_RESOURCES_SYNC] = {"resources_sync",
                             SYNC("resources", "iasc_resource_json(t, $1)", "uuid"),
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

    /* $3..$5 cursor (rank, type, id); $6 q; $7 types (text[]). Ranked, then type, id. */
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
         " FROM audit_log a WHERE ($4::text IS NULL OR a.item_type = $4::text)"
         " AND ($5::text IS NULL OR a.item_id = $5::text OR a.item_slug = $5::text)"
         " AND ($3::bigint IS NULL OR a.id < $3::bigint)"
         " ORDER BY a.id DESC LIMIT $2::int",
         5,
         1,
         {FILTER_TYPE, FILTER_ITEM}},

    /* The newest 50 entries of a feed. $1 base, $2 news|publications|all, $3 tag, $4
     * publication type (excludes news). Returns the entries as a JSON array, and the time of
     * the last change to the feed's sources. */
    [STMT_FEED] = {"feed",
                   "WITH items AS ("
                   " SELECT 'news'::text AS kind, t.id, t.slug, t.title, t.summary,"
                   " t.body_html, t.published_at, t.updated_at, t.tags FROM news t"
                   " WHERE $2::text IN ('news', 'all') AND $4::text IS NULL AND" VISIBLE
                   " AND ($3::text IS NULL OR t.tags @> ARRAY[$3::text])"
                   " UNION ALL SELECT 'publications', t.id, t.slug, t.title, t.summary,"
                   " t.body_html, t.published_at, t.updated_at, t.tags FROM publications t"
                   " WHERE $2::text IN ('publications', 'all') AND" VISIBLE
                   " AND ($3::text IS NULL OR t.tags @> ARRAY[$3::text])"
                   " AND ($4::text IS NULL OR t.type = $4::text)),"
                   " top AS (SELECT * FROM items"
                   " ORDER BY coalesce(published_at, '-infinity') DESC, id DESC LIMIT 50)"
                   " SELECT coalesce(json_agg(json_build_object('id', 'urn:uuid:' || t.id,"
                   " 'title', t.title, 'link', $1::text || '/v1/' || t.kind || '/' || t.slug,"
                   " 'published', iasc_ts_s(t.published_at), 'updated', iasc_ts(t.updated_at),"
                   " 'summary', t.summary, 'content_html', t.body_html, 'categories', t.tags,"
                   " 'documents', CASE WHEN t.kind = 'publications'"
                   " THEN iasc_publication_documents(t.id) END)"
                   " ORDER BY coalesce(t.published_at, '-infinity') DESC, t.id DESC), '[]')::text,"
                   " iasc_ts(coalesce(iasc_feed_last_change($2::text), 'epoch')),"
                   " ceil(extract(epoch FROM"
                   " coalesce(iasc_feed_last_change($2::text), 'epoch')))::bigint FROM top t",
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

    [STMT_SEARCH] = {"search",
                     "WITH q AS (SELECT websearch_to_tsquery('english', $6::text) AS q),"
                     " hits AS ("
                     " SELECT 'news'::text AS type, t.id, ts_rank(t.search, q.q) AS rank"
                     " FROM news t, q WHERE 'news' = ANY($7::text[]) AND" VISIBLE
                     " AND t.search @@ q.q"
                     " UNION ALL SELECT 'publications', t.id, ts_rank(t.search, q.q)"
                     " FROM publications t, q WHERE 'publications' = ANY($7::text[]) AND" VISIBLE
                     " AND t.search @@ q.q"
                     " UNION ALL SELECT 'resources', t.id, ts_rank(t.search, q.q)"
                     " FROM resources t, q WHERE 'resources' = ANY($7::text[]) AND" VISIBLE
                     " AND t.search @@ q.q),"
                     " page AS (SELECT * FROM hits WHERE $3::real IS NULL OR hits.rank < $3::real"
                     " OR (hits.rank = $3::real AND (hits.type, hits.id) > ($4::text, $5::uuid))"
                     " ORDER BY hits.rank DESC, hits.type, hits.id LIMIT $2::int)"
                     " SELECT json_build_object('type', p.type, 'id', p.id, 'slug', x.slug,"
                     " 'title', x.title, 'summary', x.summary,"
                     " 'url', $1::text || '/v1/' || p.type || '/' || x.slug,"
                     " 'snippet', iasc_snippet(x.doc, q.q),"
                     " 'published_at', iasc_ts_s(x.published_at), 'rank', p.rank)::text,"
                     " p.rank::text, p.type, p.id::text"
                     " FROM page p CROSS JOIN q CROSS JOIN LATERAL ("
                     " SELECT t.slug, t.title, t.summary, t.published_at,"
                     " concat_ws(' ', t.summary, t.body_markdown) AS doc"
                     " FROM news t WHERE p.type = 'news' AND t.id = p.id"
                     " UNION ALL SELECT t.slug, t.title, t.summary, t.published_at,"
                     " concat_ws(' ', t.summary, t.body_markdown)"
                     " FROM publications t WHERE p.type = 'publications' AND t.id = p.id"
                     " UNION ALL SELECT t.slug, t.title, t.summary, t.published_at,"
                     " concat_ws(' ', t.summary, t.organisation, t.role)"
                     " FROM resources t WHERE p.type = 'resources' AND t.id = p.id) x"
                     " ORDER BY p.rank DESC, p.type, p.id",
                     7,
                     3,
                     {FILTER_Q, FILTER_TYPES}},
};
