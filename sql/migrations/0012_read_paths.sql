-- 0012: what reads need, kept apart from what writes touch: one row per listed item with its
-- list representation and its search vector (item_reads), its tags in list order
-- (item_tags), and snippets from the opening of a text. Measured with EXPLAIN (ANALYZE,
-- BUFFERS) and pgbench on bench/dataset.sql (README, Performance notes).
--
-- Both tables are kept by triggers in the transaction of every change, so they never
-- disagree with the content tables (tests/api/test_search.py checks it after every kind of
-- write, tests/api/test_lists.py that lists serve what the representation functions make).
-- A later migration that changes iasc_news_json, iasc_publication_json or
-- iasc_resource_json, or that writes content with the triggers disabled, must end with
-- SELECT iasc_refresh_item_reads().

-- One row per news item, publication and resource:
--   * what lists filter and order on (the content tables' own columns, copied);
--   * head: its list representation, iasc_news_json(t, base, false),
--     iasc_publication_json(t, base) or iasc_resource_json(t, base) as text up to its last
--     member, "url", which depends on the request's base URL: a statement appends
--     `, "url" : "<base>/v1/<kind>/<slug>"}` (LIST_JSON in src/db/statements.c). Building
--     those objects for every page cost 20 us a row, three times the rest of the page;
--   * vec: its weighted tsvector (a copy of the item's own `search` column, so ts_rank gives
--     the very ranks it gave there). In the content tables it lies in TOAST beside kilobytes
--     of body: ranking the 2,000 hits of a common word read 4 buffers a hit (the heap, the
--     TOAST index twice, the TOAST heap); here a hit is one tuple, kept inline
--     (toast_tuple_target: compressed or moved out only past 8 KB).
-- A list reads its page from item_reads alone, in order from one of its indexes.
CREATE TABLE item_reads (
  kind             text NOT NULL CHECK (kind IN ('news', 'publications', 'resources')),
  id               uuid NOT NULL,
  status           text NOT NULL,
  deleted_at       timestamptz,
  published_at     timestamptz,
  published_approx text,
  type             text,            -- publications, resources: their type
  collection       text,            -- resources
  tags             text[] NOT NULL,
  slug             text NOT NULL,
  head             text NOT NULL,
  vec              tsvector NOT NULL,
  PRIMARY KEY (kind, id)
) WITH (toast_tuple_target = 8160);
ALTER TABLE item_reads ALTER COLUMN head SET STORAGE MAIN, ALTER COLUMN vec SET STORAGE MAIN;
CREATE INDEX item_reads_vec_idx ON item_reads USING gin (vec);
-- Newest first: every list, and publications and resources of one type.
CREATE INDEX item_reads_order_idx
  ON item_reads (kind, (coalesce(published_at, '-infinity')) DESC, id DESC);
CREATE INDEX item_reads_type_order_idx
  ON item_reads (kind, type, (coalesce(published_at, '-infinity')) DESC, id DESC);

-- The year filter of publications: the Europe/London year of published_at, or for undated
-- items the year of published_approx. Immutable (the time zone rules are taken as fixed, as
-- PostgreSQL's own AT TIME ZONE is), so that an index can hold it.
CREATE FUNCTION iasc_publication_year(published_at timestamptz, published_approx text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN published_at IS NOT NULL
    THEN extract(year FROM published_at AT TIME ZONE 'Europe/London')::int
    ELSE substr(published_approx, 1, 4)::int END
$$;
CREATE INDEX item_reads_year_order_idx
  ON item_reads (kind, iasc_publication_year(published_at, published_approx),
                 (coalesce(published_at, '-infinity')) DESC, id DESC);

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

-- The head of a representation j of the item (kind, slug): j without its last member,
-- "url". Raises when j does not end with that member (a representation function changed
-- shape: lists would serve it wrong).
CREATE FUNCTION iasc_list_head(j text, kind text, slug text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  tail text := ', "url" : ' || to_json('/v1/' || kind || '/' || slug)::text || '}';
BEGIN
  IF right(j, length(tail)) IS DISTINCT FROM tail THEN
    RAISE EXCEPTION 'item_reads: the % representation must end with its "url" member', kind;
  END IF;
  RETURN left(j, length(j) - length(tail));
END $$;

-- After every change to news, publications and resources (row triggers *_reads).
CREATE FUNCTION iasc_index_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sub_type text;
  coll text;
  j text;
BEGIN
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.id <> NEW.id) THEN
    DELETE FROM item_reads r WHERE r.kind = TG_TABLE_NAME AND r.id = OLD.id;
    DELETE FROM item_tags g WHERE g.kind = TG_TABLE_NAME AND g.id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'news' THEN
    j := iasc_news_json(NEW, '', false)::text;
  ELSIF TG_TABLE_NAME = 'publications' THEN
    sub_type := NEW.type;
    j := iasc_publication_json(NEW, '')::text;
  ELSE
    sub_type := NEW.type;
    coll := NEW.collection;
    j := iasc_resource_json(NEW, '')::text;
  END IF;
  INSERT INTO item_reads AS r (kind, id, status, deleted_at, published_at, published_approx,
                               type, collection, tags, slug, head, vec)
  VALUES (TG_TABLE_NAME, NEW.id, NEW.status, NEW.deleted_at, NEW.published_at,
          NEW.published_approx, sub_type, coll, NEW.tags, NEW.slug,
          iasc_list_head(j, TG_TABLE_NAME, NEW.slug), NEW.search)
  ON CONFLICT (kind, id) DO UPDATE SET status = EXCLUDED.status,
    deleted_at = EXCLUDED.deleted_at, published_at = EXCLUDED.published_at,
    published_approx = EXCLUDED.published_approx, type = EXCLUDED.type,
    collection = EXCLUDED.collection, tags = EXCLUDED.tags, slug = EXCLUDED.slug,
    head = EXCLUDED.head, vec = EXCLUDED.vec;
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
                   'EXECUTE FUNCTION iasc_index_item()', t || '_reads', t);
  END LOOP;
END
$$;

-- A publication's representation lists its documents: after every change to them.
CREATE FUNCTION iasc_index_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE item_reads r SET head = iasc_list_head(iasc_publication_json(p, '')::text,
                                                'publications', p.slug)
  FROM publications p
  WHERE r.kind = 'publications' AND r.id = p.id
    AND p.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.publication_id END,
                 CASE WHEN TG_OP <> 'DELETE' THEN NEW.publication_id END);
  RETURN NULL;
END $$;
CREATE TRIGGER publication_documents_reads
  AFTER INSERT OR UPDATE OR DELETE ON publication_documents
  FOR EACH ROW EXECUTE FUNCTION iasc_index_documents();

-- Makes both tables again from the content tables.
CREATE FUNCTION iasc_refresh_item_reads() RETURNS void LANGUAGE sql AS $$
  DELETE FROM item_reads;
  DELETE FROM item_tags;
  INSERT INTO item_reads (kind, id, status, deleted_at, published_at, published_approx, type,
                          collection, tags, slug, head, vec)
  SELECT 'news', t.id, t.status, t.deleted_at, t.published_at, t.published_approx, NULL, NULL,
         t.tags, t.slug, iasc_list_head(iasc_news_json(t, '', false)::text, 'news', t.slug),
         t.search
  FROM news t
  UNION ALL
  SELECT 'publications', t.id, t.status, t.deleted_at, t.published_at, t.published_approx,
         t.type, NULL, t.tags, t.slug,
         iasc_list_head(iasc_publication_json(t, '')::text, 'publications', t.slug), t.search
  FROM publications t
  UNION ALL
  SELECT 'resources', t.id, t.status, t.deleted_at, t.published_at, t.published_approx,
         t.type, t.collection, t.tags, t.slug,
         iasc_list_head(iasc_resource_json(t, '')::text, 'resources', t.slug), t.search
  FROM resources t;
  INSERT INTO item_tags (kind, id, tag, k)
  SELECT DISTINCT x.kind, x.id, x.tag, x.k FROM (
    SELECT 'news' AS kind, id, unnest(tags) AS tag, coalesce(published_at, '-infinity') AS k
    FROM news
    UNION ALL
    SELECT 'publications', id, unnest(tags), coalesce(published_at, '-infinity') FROM publications
    UNION ALL
    SELECT 'resources', id, unnest(tags), coalesce(published_at, '-infinity') FROM resources
  ) x;
$$;

SELECT iasc_refresh_item_reads();

-- A search snippet as iasc_snippet makes it, from head (the summary) and the opening of body
-- (its first 400 characters, cut at a word boundary: room for the two fragments of up to 35
-- words a snippet shows, and more than any starter body) rather than all of it: ts_headline parses and stems every word it
-- is given, and 20 snippets of 3 KB bodies cost more than ranking 2,000 hits. Only when the
-- opening has no match to mark is the whole text used, so a snippet marks a match whenever
-- the text has one; a body of 400 characters or fewer gives the snippet
-- iasc_snippet(concat_ws(' ', head, body), q) gave.
CREATE FUNCTION iasc_search_snippet(head text, body text, q tsquery) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  s text;
BEGIN
  IF body IS NULL OR length(body) <= 400 THEN
    RETURN iasc_snippet(concat_ws(' ', head, body), q);
  END IF;
  s := iasc_snippet(concat_ws(' ', head, substring(left(body, 401) FROM '^(.*)\s')), q);
  IF strpos(s, '<mark>') > 0 THEN
    RETURN s;
  END IF;
  RETURN iasc_snippet(concat_ws(' ', head, body), q);
END $$;

-- Statistics for the planner at once (the first plans are made before autovacuum looks).
ANALYZE item_reads;
ANALYZE item_tags;
