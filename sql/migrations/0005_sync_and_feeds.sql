-- 0005: what sync, feeds and caches need beyond the writes themselves.

-- Scheduled publication is a change at its publish time. Rows whose publication time has
-- come since their last write are "touched" (updated_at, version) by iasc_publish_due, which
-- every server runs each second; until then the sync stream keeps them back, so a mirror
-- never receives them below a time it has already been served.
CREATE INDEX news_publish_due_idx ON news (published_at) WHERE published_at > updated_at;
CREATE INDEX publications_publish_due_idx ON publications (published_at) WHERE published_at > updated_at;
CREATE INDEX helplines_publish_due_idx ON helplines (published_at) WHERE published_at > updated_at;
CREATE INDEX support_rates_publish_due_idx ON support_rates (published_at) WHERE published_at > updated_at;
CREATE INDEX resources_publish_due_idx ON resources (published_at) WHERE published_at > updated_at;

-- Returns how many rows went live. Takes the write lock only when there is work.
CREATE FUNCTION iasc_publish_due() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  total integer := 0;
  n integer;
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['news', 'publications', 'helplines', 'support_rates', 'resources'] LOOP
    EXECUTE format('SELECT count(*) FROM %I t WHERE t.published_at > t.updated_at '
                   'AND t.published_at <= now()', tbl) INTO n;
    IF n > 0 THEN
      PERFORM pg_advisory_xact_lock(7243917413);
      EXECUTE format('UPDATE %I t SET status = t.status WHERE t.published_at > t.updated_at '
                     'AND t.published_at <= now()', tbl);
      GET DIAGNOSTICS n = ROW_COUNT;
      total := total + n;
    END IF;
  END LOOP;
  RETURN total;
END $$;

-- Every change to content is announced on channel iasc_changes (delivered at commit), so
-- that every API instance drops its cached responses.
CREATE FUNCTION iasc_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('iasc_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER news_notify AFTER INSERT OR UPDATE OR DELETE ON news
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();
CREATE TRIGGER publications_notify AFTER INSERT OR UPDATE OR DELETE ON publications
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();
CREATE TRIGGER publication_documents_notify AFTER INSERT OR UPDATE OR DELETE ON publication_documents
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();
CREATE TRIGGER helplines_notify AFTER INSERT OR UPDATE OR DELETE ON helplines
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();
CREATE TRIGGER support_rates_notify AFTER INSERT OR UPDATE OR DELETE ON support_rates
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();
CREATE TRIGGER resources_notify AFTER INSERT OR UPDATE OR DELETE ON resources
  FOR EACH STATEMENT EXECUTE FUNCTION iasc_notify_change();

-- The last change to a feed's sources, deletions included (for Last-Modified).
CREATE FUNCTION iasc_feed_last_change(which text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT max(x) FROM (
    SELECT max(updated_at) AS x FROM news WHERE which IN ('news', 'all')
    UNION ALL
    SELECT max(updated_at) FROM publications WHERE which IN ('publications', 'all')
  ) t
$$;

-- The next instant at which a public answer changes by itself, without a write: a scheduled
-- publication, or the start or end of a support rate's or a helpline's period (periods are
-- Europe/London dates; an end date is inclusive, so the change is at the next midnight).
-- Responses may be cached until then, not longer. NULL when nothing is scheduled.
CREATE FUNCTION iasc_next_scheduled_change() RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT min(x) FROM (
    SELECT min(published_at) AS x FROM news
      WHERE published_at > now() AND deleted_at IS NULL AND status = 'published'
    UNION ALL SELECT min(published_at) FROM publications
      WHERE published_at > now() AND deleted_at IS NULL AND status = 'published'
    UNION ALL SELECT min(published_at) FROM resources
      WHERE published_at > now() AND deleted_at IS NULL AND status = 'published'
    UNION ALL SELECT min(published_at) FROM helplines
      WHERE published_at > now() AND deleted_at IS NULL AND status = 'published'
    UNION ALL SELECT min(published_at) FROM support_rates
      WHERE published_at > now() AND deleted_at IS NULL AND status = 'published'
    UNION ALL SELECT min(iasc_london_start(d)) FROM (
      SELECT effective_from AS d FROM support_rates WHERE deleted_at IS NULL
      UNION ALL SELECT effective_to + 1 FROM support_rates WHERE deleted_at IS NULL
      UNION ALL SELECT valid_from FROM helplines WHERE deleted_at IS NULL
      UNION ALL SELECT valid_to + 1 FROM helplines WHERE deleted_at IS NULL
    ) b WHERE d > iasc_london_date(now())
  ) t
$$;
