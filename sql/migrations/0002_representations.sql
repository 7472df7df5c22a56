-- 0002: the JSON representation of every item, built in one place per type.
-- `base` is the absolute API base URL (scheme://host[:port]) used for `url`.

-- RFC 3339 UTC with microseconds (created_at, updated_at: sync needs them exact).
CREATE FUNCTION iasc_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- RFC 3339 UTC to the second (published_at).
CREATE FUNCTION iasc_ts_s(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- The Europe/London calendar date of an instant.
CREATE FUNCTION iasc_london_date(t timestamptz) RETURNS date LANGUAGE sql STABLE AS
$$ SELECT (t AT TIME ZONE 'Europe/London')::date $$;

-- The instant a Europe/London calendar date starts.
CREATE FUNCTION iasc_london_start(d date) RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT d::timestamp AT TIME ZONE 'Europe/London' $$;

-- HTML-escapes text.
CREATE FUNCTION iasc_html_escape(s text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT replace(replace(replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;') $$;

-- A search snippet: HTML-escaped text with the matches in <mark>…</mark>.
-- Private-use sentinels mark matches before escaping, so hostile text stays text.
CREATE FUNCTION iasc_snippet(doc text, q tsquery) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT replace(replace(iasc_html_escape(
    ts_headline('english', regexp_replace(coalesce(doc, ''), '[\uE000\uE001]', '', 'g'), q,
                'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "')),
    chr(57344), '<mark>'), chr(57345), '</mark>')
$$;

-- A tombstone, served to mirrors with include_deleted=true.
CREATE FUNCTION iasc_tombstone_json(id text, slug text, updated_at timestamptz) RETURNS json LANGUAGE sql STABLE AS
$$ SELECT json_build_object('id', id, 'slug', slug, 'deleted', true, 'updated_at', iasc_ts(updated_at)) $$;

CREATE FUNCTION iasc_news_json(n news, base text, detail boolean) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN detail THEN
    json_build_object(
      'id', n.id, 'slug', n.slug, 'title', n.title, 'summary', n.summary,
      'published_at', iasc_ts_s(n.published_at), 'published_approx', n.published_approx,
      'published_at_confidence', n.published_at_confidence,
      'tags', n.tags, 'source_url', n.source_url, 'related_urls', n.related_urls,
      'source_note', n.source_note, 'status', n.status,
      'body_markdown', n.body_markdown, 'body_html', n.body_html,
      'created_at', iasc_ts(n.created_at), 'updated_at', iasc_ts(n.updated_at),
      'url', base || '/v1/news/' || n.slug)
  ELSE
    json_build_object(
      'id', n.id, 'slug', n.slug, 'title', n.title, 'summary', n.summary,
      'published_at', iasc_ts_s(n.published_at), 'published_approx', n.published_approx,
      'published_at_confidence', n.published_at_confidence,
      'tags', n.tags, 'source_url', n.source_url, 'related_urls', n.related_urls,
      'source_note', n.source_note, 'status', n.status,
      'created_at', iasc_ts(n.created_at), 'updated_at', iasc_ts(n.updated_at),
      'url', base || '/v1/news/' || n.slug)
  END
$$;

CREATE FUNCTION iasc_publication_documents(pid uuid) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(json_build_object('url', d.url, 'media_type', d.media_type,
                                             'size_bytes', d.size_bytes, 'title', d.title)
                           ORDER BY d.position), '[]'::json)
  FROM publication_documents d WHERE d.publication_id = pid
$$;

CREATE FUNCTION iasc_publication_json(p publications, base text) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', p.id, 'slug', p.slug, 'title', p.title, 'type', p.type, 'summary', p.summary,
    'published_on', iasc_london_date(p.published_at), 'published_at', iasc_ts_s(p.published_at),
    'published_approx', p.published_approx,
    'authors', p.authors, 'partners', p.partners, 'identifiers', p.identifiers,
    'tags', p.tags, 'documents', iasc_publication_documents(p.id),
    'source_url', p.source_url, 'source_note', p.source_note, 'status', p.status,
    'created_at', iasc_ts(p.created_at), 'updated_at', iasc_ts(p.updated_at),
    'url', base || '/v1/publications/' || p.slug)
$$;

CREATE FUNCTION iasc_helpline_json(h helplines, base text) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', h.id, 'slug', h.slug, 'title', h.name, 'name', h.name, 'kind', h.kind,
    'phone', h.phone, 'phone_e164', h.phone_e164, 'phone_alternatives', h.phone_alternatives,
    'dial_digits', h.dial_digits, 'email', h.email,
    'urgency', h.urgency, 'availability', h.availability, 'is_24_7', h.is_24_7,
    'jurisdictions', h.jurisdictions, 'operator', h.operator, 'description', h.description,
    'link', h.link, 'position', h.position, 'valid_from', h.valid_from, 'valid_to', h.valid_to,
    'published_at', iasc_ts_s(h.published_at),
    'source_url', h.source_url, 'additional_source_urls', h.additional_source_urls,
    'notes', h.notes, 'confidence', h.confidence, 'status', h.status,
    'created_at', iasc_ts(h.created_at), 'updated_at', iasc_ts(h.updated_at),
    'url', base || '/v1/helplines/' || h.slug)
$$;

CREATE FUNCTION iasc_support_rate_json(r support_rates, base text) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', r.id, 'slug', r.id, 'title', r.title, 'description', r.description,
    'jurisdiction', r.jurisdiction, 'scheme', r.scheme, 'category', r.category,
    'amount_pence', r.amount_pence, 'currency', r.currency, 'period', r.period,
    'effective_from', r.effective_from, 'effective_to', r.effective_to,
    'superseded_by', r.superseded_by, 'attested_on', r.attested_on,
    'published_at', iasc_ts_s(r.published_at),
    'source_url', r.source_url, 'additional_source_urls', r.additional_source_urls,
    'notes', r.notes, 'confidence', r.confidence, 'status', r.status,
    'created_at', iasc_ts(r.created_at), 'updated_at', iasc_ts(r.updated_at),
    'url', base || '/v1/support-rates/' || r.id)
$$;

CREATE FUNCTION iasc_resource_json(r resources, base text) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', r.id, 'slug', r.slug, 'title', r.title, 'type', r.type, 'collection', r.collection,
    'summary', r.summary, 'organisation', r.organisation, 'role', r.role,
    'jurisdictions', r.jurisdictions, 'link', r.link,
    'published_at', iasc_ts_s(r.published_at), 'published_approx', r.published_approx,
    'tags', r.tags, 'source_url', r.source_url, 'additional_source_urls', r.additional_source_urls,
    'source_note', r.source_note, 'status', r.status,
    'created_at', iasc_ts(r.created_at), 'updated_at', iasc_ts(r.updated_at),
    'url', base || '/v1/resources/' || r.slug)
$$;

-- The last day a support rate is in force: its own effective_to, or the day
-- before the earliest known start along its superseded_by chain, whichever
-- comes first. Null when neither is known (open).
CREATE FUNCTION iasc_support_rate_in_force_to(rate_id text) RETURNS date LANGUAGE sql STABLE AS $$
  WITH RECURSIVE chain(id, next, depth) AS (
    SELECT r.id, r.superseded_by, 0 FROM support_rates r WHERE r.id = rate_id
    UNION ALL
    SELECT s.id, s.superseded_by, c.depth + 1
    FROM chain c JOIN support_rates s ON s.id = c.next AND s.deleted_at IS NULL
    WHERE c.depth < 32
  )
  SELECT min(x) FROM (
    SELECT r.effective_to AS x FROM support_rates r WHERE r.id = rate_id
    UNION ALL
    SELECT s.effective_from - 1 FROM chain c JOIN support_rates s ON s.id = c.id
    WHERE c.depth > 0 AND s.effective_from IS NOT NULL
  ) t
$$;
