-- bench/dataset.sql: the benchmark's deterministic dataset, loaded by bench/run into a
-- freshly migrated, empty database (psql -v n_news=10000 -v n_pubs=1000 -f dataset.sql).
--
-- Deterministic: no random(), no gen_random_uuid(), no clock: ids are md5-derived UUIDs,
-- text is picked from a fixed vocabulary by hashint4(), timestamps are fixed. Two loads
-- give byte-identical rows, so two runs serve byte-identical responses (bar the cursor
-- signature, whose secret each database makes at migration).
--
--   news          :n_news items, body_markdown ~3 KB in 6 paragraphs, body_html the same
--                 paragraphs in <p>, a 25-word summary, 1-3 tags from a fixed list of 8,
--                 published every 8 h 45 min from 2014-01-05 (the newest in late 2023).
--                 Every 5th item has "slavery" in its body (2,000 of 10,000), every 25th
--                 in its title too, so /v1/search?q=slavery ranks ~2,000+ hits.
--   publications  :n_pubs items with one document each; every 4th mentions "slavery".
\set ON_ERROR_STOP 1

BEGIN;

-- Word n of the fixed vocabulary (no "slavery": that word is placed on purpose below).
CREATE FUNCTION pg_temp.bench_word(n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['commissioner', 'independent', 'victims', 'survivors', 'exploitation',
    'trafficking', 'forced', 'labour', 'modern', 'supply', 'chains', 'businesses', 'police',
    'prosecution', 'support', 'recovery', 'national', 'referral', 'mechanism',
    'identification', 'safeguarding', 'partnership', 'strategy', 'evidence', 'research',
    'report', 'local', 'authorities', 'charities', 'funding', 'government', 'legislation',
    'review', 'criminal', 'justice', 'protection', 'children', 'adults', 'migrants',
    'housing', 'health', 'services', 'training', 'frontline', 'agencies', 'data', 'risk',
    'response', 'prevention', 'awareness', 'communities', 'workers', 'employers',
    'transparency', 'statement', 'inquiry', 'policy', 'recommendations', 'progress',
    'annual', 'plan', 'guidance', 'rights', 'accountability'])[1 + abs(hashint4(n)) % 64]
$$;

-- A deterministic run of `len` words for (seed, part); every `every`-th item (by seed)
-- gets "slavery" at a few places.
CREATE FUNCTION pg_temp.bench_words(seed int, part int, len int, every int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(CASE WHEN every > 0 AND seed % every = 0 AND k % 37 = 11 THEN 'slavery'
                         ELSE pg_temp.bench_word(seed * 4096 + part * 128 + k) END,
                    ' ' ORDER BY k)
  FROM generate_series(1, len) AS k
$$;

CREATE FUNCTION pg_temp.bench_tags(seed int) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg((ARRAY['modern-slavery', 'human-trafficking', 'labour-exploitation',
                          'child-exploitation', 'supply-chains', 'victim-support', 'policing',
                          'international'])[1 + (seed * 5 + m * 3) % 8] ORDER BY m)
  FROM generate_series(0, seed % 3) AS m
$$;

INSERT INTO news (id, slug, title, summary, body_markdown, body_html, published_at,
                  published_at_confidence, source_url, tags, status, created_at, updated_at)
SELECT md5('bench-news-' || g.i)::uuid,
       'news-' || lpad(g.i::text, 5, '0'),
       'Update ' || g.i || ': ' || initcap(pg_temp.bench_words(g.i, 100, 6, 0))
         || CASE WHEN g.i % 25 = 0 THEN ' and modern slavery' ELSE '' END,
       initcap(pg_temp.bench_words(g.i, 101, 25, 0)) || '.',
       array_to_string(b.paras, E'\n\n'),
       '<p>' || array_to_string(b.paras, E'</p>\n<p>') || '</p>',
       pub.at,
       'confirmed',
       'https://www.antislaverycommissioner.co.uk/news-insight/bench-' || g.i || '/',
       pg_temp.bench_tags(g.i),
       'published',
       pub.at + interval '1 hour',
       pub.at + interval '1 hour'
FROM generate_series(1, :n_news) AS g(i)
CROSS JOIN LATERAL (SELECT timestamptz '2014-01-05 09:30:00+00'
                           + (g.i - 1) * interval '8 hours 45 minutes' AS at) AS pub
CROSS JOIN LATERAL (
  SELECT array_agg(initcap(pg_temp.bench_words(g.i, p, 53, 5)) || '.' ORDER BY p) AS paras
  FROM generate_series(1, 6) AS p) AS b;

INSERT INTO publications (id, slug, title, type, summary, authors, published_at, source_url,
                          tags, status, created_at, updated_at)
SELECT md5('bench-publication-' || g.i)::uuid,
       'publication-' || lpad(g.i::text, 4, '0'),
       initcap(pg_temp.bench_words(g.i, 200, 7, 0)) || ' (' || g.i || ')',
       (ARRAY['report', 'annual_report', 'strategic_plan', 'letter', 'response',
              'guidance'])[1 + g.i % 6],
       initcap(pg_temp.bench_words(g.i, 201, 40, 4)) || '.',
       ARRAY['Independent Anti-Slavery Commissioner'],
       pub.at,
       'https://www.antislaverycommissioner.co.uk/publications/bench-' || g.i || '/',
       pg_temp.bench_tags(g.i + 1),
       'published',
       pub.at + interval '1 hour',
       pub.at + interval '1 hour'
FROM generate_series(1, :n_pubs) AS g(i)
CROSS JOIN LATERAL (SELECT timestamptz '2015-03-02 10:00:00+00'
                           + (g.i - 1) * interval '3 days 14 hours' AS at) AS pub;

INSERT INTO publication_documents (publication_id, position, url, media_type, size_bytes, title)
SELECT md5('bench-publication-' || g.i)::uuid, 0,
       'https://www.antislaverycommissioner.co.uk/media/bench-' || g.i || '.pdf',
       'application/pdf', 100000 + g.i * 37, 'Full report'
FROM generate_series(1, :n_pubs) AS g(i);

COMMIT;

VACUUM (ANALYZE) news;
VACUUM (ANALYZE) publications;
VACUUM (ANALYZE) publication_documents;
VACUUM (ANALYZE) tags;
-- Filled by the triggers of migration 0012 as the rows above went in.
VACUUM (ANALYZE) item_reads;
VACUUM (ANALYZE) item_tags;
