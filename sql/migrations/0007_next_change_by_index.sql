-- iasc_next_scheduled_change() runs every second (the publish tick) and after every write.
-- Written as in 0005 it scanned every row of news, publications and resources (9 ms a
-- second at 10,000 news items, growing with the archive). Comparing the same expression
-- as the list order indexes, coalesce(published_at, '-infinity'), lets each of those
-- tables answer from its index: only future-dated rows are read. Same result: a NULL
-- published_at is never in the future either way. In PL/pgSQL, so that each session plans
-- the query once (a SQL function of this shape is planned again at every call: 3 ms).
CREATE OR REPLACE FUNCTION iasc_next_scheduled_change() RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT min(x) FROM (
    SELECT min(coalesce(published_at, '-infinity')) AS x FROM news
      WHERE coalesce(published_at, '-infinity') > now() AND deleted_at IS NULL
        AND status = 'published'
    UNION ALL SELECT min(coalesce(published_at, '-infinity')) FROM publications
      WHERE coalesce(published_at, '-infinity') > now() AND deleted_at IS NULL
        AND status = 'published'
    UNION ALL SELECT min(coalesce(published_at, '-infinity')) FROM resources
      WHERE coalesce(published_at, '-infinity') > now() AND deleted_at IS NULL
        AND status = 'published'
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
  ) t);
END
$$;
