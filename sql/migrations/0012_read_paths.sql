-- 0012: what fast reads need: a search table that ranks without TOAST, a tag index in list
-- order, publications' type and year in list order, and snippets from the opening of a text.
-- Measured with EXPLAIN (ANALYZE, BUFFERS) on bench/dataset.sql (README, Performance notes).

-- One row per news item, publication and resource: its weighted tsvector (a copy of the
-- item's own `search` column, so that ts_rank gives the very ranks it gave there) and what
-- search and the ranked lists filter on. In the content tables the tsvector lies in TOAST
-- beside kilobytes of body: ranking the 2,000 hits of a common word read 4 buffers a hit (the
-- heap, the TOAST index twice, the TOAST heap); here a hit is one tuple, kept inline
-- (toast_tuple_target: compressed or moved out only past 8 KB). Kept by iasc_index_item in
-- the transaction of every change, so it never disagrees with the tables.
CREATE TABLE search_docs (
  kind             text NOT NULL CHECK (kind IN ('news', 'publications', 'resources')),
  id               uuid NOT NULL,
  status           text NOT NULL,
  deleted_at       timestamptz,
  published_at     timestamptz,
  published_approx text,
  type             text,            -- publications, resources: their type
  collection       text,            -- resources
  tags             text[] NOT NULL,
  vec              tsvector NOT NULL,
  PRIMARY KEY (kind, id)
) WITH (toast_tuple_target = 8160);
ALTER TABLE search_docs ALTER COLUMN vec SET STORAGE MAIN;
CREATE INDEX search_docs_vec_idx ON search_docs USING gin (vec);

-- Each tag of each news item, publication and resource with the item's list order key
-- (coalesce(published_at, '-infinity')): a tagged list reads its page in order from
-- item_tags_order_idx, from the cursor or the end of a date range, whatever the tag's share
-- of the items (a GIN index on tags finds them all, then sorts them).
CREATE TABLE item_tags (
  kind text NOT NULL,
  id   uuid NOT NULL,
  tag  text NOT NULL,
  k    timestamptz NOT NULL,
  PRIMARY KEY (kind, id, tag)
);
CREATE INDEX item_tags_order_idx ON item_tags (kind, tag, k DESC, id DESC);

CREATE FUNCTION iasc_index_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sub_type text;
  coll text;
BEGIN
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.id <> NEW.id) THEN
    DELETE FROM search_docs s WHERE s.kind = TG_TABLE_NAME AND s.id = OLD.id;
    DELETE FROM item_tags g WHERE g.kind = TG_TABLE_NAME AND g.id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'publications' THEN
    sub_type := NEW.type;
  ELSIF TG_TABLE_NAME = 'resources' THEN
    sub_type := NEW.type;
    coll := NEW.collection;
  END IF;
  INSERT INTO search_docs AS s (kind, id, status, deleted_at, published_at, published_approx,
                                type, collection, tags, vec)
  VALUES (TG_TABLE_NAME, NEW.id, NEW.status, NEW.deleted_at, NEW.published_at,
          NEW.published_approx, sub_type, coll, NEW.tags, NEW.search)
  ON CONFLICT (kind, id) DO UPDATE SET status = EXCLUDED.status,
    deleted_at = EXCLUDED.deleted_at, published_at = EXCLUDED.published_at,
    published_approx = EXCLUDED.published_approx, type = EXCLUDED.type,
    collection = EXCLUDED.collection, tags = EXCLUDED.tags, vec = EXCLUDED.vec;
  IF TG_OP = 'INSERT' OR OLD.id <> NEW.id OR OLD.tags IS DISTINCT FROM NEW.tags
     OR OLD.published_at IS DISTINCT FROM NEW.published_at THEN
    DELETE FROM item_tags g WHERE g.kind = TG_TABLE_NAME AND g.id = NEW.id;
    INSERT INTO item_tags (kind, id, tag, k)
    SELECT DISTINCT TG_TABLE_NAME, NEW.id, x.tag, coalesce(NEW.published_at, '-infinity')
    FROM unnest(NEW.tags) AS x(tag);
  END IF;
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['news', 'publications', 'resources'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
                   'EXECUTE FUNCTION iasc_index_item()', t || '_index', t);
  END LOOP;
END
$$;

INSERT INTO search_docs (kind, id, status, deleted_at, published_at, published_approx, type,
                         collection, tags, vec)
SELECT 'news', id, status, deleted_at, published_at, published_approx, NULL, NULL, tags, search
FROM news
UNION ALL
SELECT 'publications', id, status, deleted_at, published_at, published_approx, type, NULL, tags,
       search
FROM publications
UNION ALL
SELECT 'resources', id, status, deleted_at, published_at, published_approx, type, collection,
       tags, search
FROM resources;

INSERT INTO item_tags (kind, id, tag, k)
SELECT DISTINCT x.kind, x.id, x.tag, x.k FROM (
  SELECT 'news' AS kind, id, unnest(tags) AS tag, coalesce(published_at, '-infinity') AS k FROM news
  UNION ALL
  SELECT 'publications', id, unnest(tags), coalesce(published_at, '-infinity') FROM publications
  UNION ALL
  SELECT 'resources', id, unnest(tags), coalesce(published_at, '-infinity') FROM resources
) x;

-- The year filter of publications: the Europe/London year of published_at, or for undated
-- items the year of published_approx. Immutable (the time zone rules are taken as fixed, as
-- PostgreSQL's own AT TIME ZONE is), so that an index can hold it.
CREATE FUNCTION iasc_publication_year(published_at timestamptz, published_approx text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN published_at IS NOT NULL
    THEN extract(year FROM published_at AT TIME ZONE 'Europe/London')::int
    ELSE substr(published_approx, 1, 4)::int END
$$;

-- Publications of one type or one year, newest first, read in list order from the cursor on.
CREATE INDEX publications_type_order_idx
  ON publications (type, (coalesce(published_at, '-infinity')) DESC, id DESC);
CREATE INDEX publications_year_order_idx
  ON publications (iasc_publication_year(published_at, published_approx),
                   (coalesce(published_at, '-infinity')) DESC, id DESC);

-- A search snippet as iasc_snippet makes it, from head (the summary) and the opening of body
-- (its first 600 characters, cut at a word boundary) rather than all of it: ts_headline
-- parses and stems every word it is given, and a page of 20 long bodies cost more than the
-- rest of the search. Only when the opening has no match to mark is the whole text used, so
-- a snippet marks a match whenever the text has one; a body of 600 characters or fewer
-- gives the snippet iasc_snippet(concat_ws(' ', head, body), q) gave.
CREATE FUNCTION iasc_search_snippet(head text, body text, q tsquery) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  s text;
BEGIN
  IF body IS NULL OR length(body) <= 600 THEN
    RETURN iasc_snippet(concat_ws(' ', head, body), q);
  END IF;
  s := iasc_snippet(concat_ws(' ', head, substring(left(body, 601) FROM '^(.*)\s')), q);
  IF strpos(s, '<mark>') > 0 THEN
    RETURN s;
  END IF;
  RETURN iasc_snippet(concat_ws(' ', head, body), q);
END $$;

-- Statistics for the planner at once (the first plans are made before autovacuum looks).
ANALYZE search_docs;
ANALYZE item_tags;
ANALYZE publications;
