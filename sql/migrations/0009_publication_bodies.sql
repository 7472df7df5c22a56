-- 0009: publications have a body too: CommonMark in body_markdown, rendered server-side
-- (cmark, safe mode) into body_html, as news bodies are. Both are part of every publication
-- representation (publication bodies are short: an abstract, a foreword); the body is
-- searched with the weight news bodies have.
ALTER TABLE publications ADD COLUMN body_markdown text, ADD COLUMN body_html text;

ALTER TABLE publications DROP COLUMN search;
ALTER TABLE publications ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
  setweight(to_tsvector('english', coalesce(body_markdown, '')), 'C')) STORED;
CREATE INDEX publications_search_idx ON publications USING gin (search);

CREATE OR REPLACE FUNCTION iasc_writable_columns(tbl text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE tbl
    WHEN 'news' THEN 'slug, title, summary, body_markdown, body_html, published_at, published_approx, '
      'published_at_confidence, source_url, related_urls, source_note, tags, status'
    WHEN 'publications' THEN 'slug, title, type, summary, body_markdown, body_html, authors, partners, '
      'identifiers, published_at, published_approx, source_url, source_note, tags, status'
    WHEN 'helplines' THEN 'slug, name, kind, phone, phone_alternatives, dial_digits, phone_e164, email, '
      'urgency, availability, is_24_7, jurisdictions, operator, description, link, position, valid_from, '
      'valid_to, source_url, additional_source_urls, notes, confidence, status, published_at'
    WHEN 'support_rates' THEN 'id, title, description, jurisdiction, scheme, category, amount_pence, '
      'currency, period, effective_from, effective_to, superseded_by, attested_on, source_url, '
      'additional_source_urls, notes, confidence, status, published_at'
    WHEN 'resources' THEN 'slug, type, collection, title, summary, organisation, role, jurisdictions, link, '
      'published_at, published_approx, source_url, additional_source_urls, source_note, tags, status'
  END
$$;

CREATE OR REPLACE FUNCTION iasc_publication_json(p publications, base text) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', p.id, 'slug', p.slug, 'title', p.title, 'type', p.type, 'summary', p.summary,
    'published_on', iasc_london_date(p.published_at), 'published_at', iasc_ts_s(p.published_at),
    'published_approx', p.published_approx,
    'authors', p.authors, 'partners', p.partners, 'identifiers', p.identifiers,
    'tags', p.tags, 'documents', iasc_publication_documents(p.id),
    'body_markdown', p.body_markdown, 'body_html', p.body_html,
    'source_url', p.source_url, 'source_note', p.source_note, 'status', p.status,
    'created_at', iasc_ts(p.created_at), 'updated_at', iasc_ts(p.updated_at),
    'url', base || '/v1/publications/' || p.slug)
$$;
