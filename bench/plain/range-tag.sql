-- bench/plain/range-tag.sql: plain/range.sql with a tag (one of the dataset's 8), the ceiling
-- bench.py holds /v1/news?from=&to=&tag= against: the range on the order index, the tag
-- tested on each row (PostgreSQL's own choice of plan).
\set d random(0, 3399)
\set span random(8, 127)
\set t random(1, 8)
SELECT t.id, t.slug, t.title, t.summary, t.published_at
FROM news t
WHERE coalesce(t.published_at, '-infinity') >= timestamptz '2014-01-06 00:00:00+00' + :d * interval '1 day'
  AND coalesce(t.published_at, '-infinity') < timestamptz '2014-01-06 00:00:00+00' + :d * interval '1 day' + :span * interval '1 day'
  AND t.tags @> ARRAY[(ARRAY['modern-slavery', 'human-trafficking', 'labour-exploitation',
                             'child-exploitation', 'supply-chains', 'victim-support', 'policing',
                             'international'])[:t]]
ORDER BY coalesce(t.published_at, '-infinity') DESC, t.id DESC
LIMIT 21;
