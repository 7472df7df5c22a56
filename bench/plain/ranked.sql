-- bench/plain/ranked.sql: the plain ranked query, the ceiling bench.py holds /v1/search and
-- /v1/news?q= against: the news rows of a new query that ranks the rows of q=slavery, ranked
-- with ts_rank over news' own stored, weighted tsvector (news_search_idx finds them), the
-- newest page of 21; id, slug, title, summary; no snippet, no JSON, no visibility rules.
\set n random(1, 1000000000)
SELECT t.id, t.slug, t.title, t.summary
FROM news t, websearch_to_tsquery('english', 'slavery -zq' || :n) AS q(q)
WHERE t.search @@ q.q
ORDER BY ts_rank(t.search, q.q) DESC, t.id DESC
LIMIT 21;
