-- bench/plain/range.sql: the plain range query, the ceiling bench.py holds
-- /v1/news?from=&to= against: news published between two instants (the same spread of pairs
-- as bench/uncached.lua), newest first, a page of 21; id, slug, title, summary, published_at.
-- Written on the order index's own expression, coalesce(published_at, '-infinity'), so that
-- it runs at index speed: on published_at itself no index serves it (news_order_idx holds
-- the coalesce), and it would read from the newest row down, as news_list did before 0012.
\set d random(0, 3399)
\set span random(8, 127)
SELECT t.id, t.slug, t.title, t.summary, t.published_at
FROM news t
WHERE coalesce(t.published_at, '-infinity') >= timestamptz '2014-01-06 00:00:00+00' + :d * interval '1 day'
  AND coalesce(t.published_at, '-infinity') < timestamptz '2014-01-06 00:00:00+00' + :d * interval '1 day' + :span * interval '1 day'
ORDER BY coalesce(t.published_at, '-infinity') DESC, t.id DESC
LIMIT 21;
