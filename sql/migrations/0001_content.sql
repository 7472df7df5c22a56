-- 0001: content tables for the read API.
-- Every content table carries status, published_at, created_at, updated_at,
-- deleted_at (soft delete) and version (the ETag source) from the start.

CREATE TABLE tags (
  slug       text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keeps the tags table in step with the tags[] arrays of content rows.
CREATE FUNCTION iasc_register_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tags (slug) SELECT DISTINCT unnest(NEW.tags) ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;

-- Bumps updated_at and version on every change made after insertion.
CREATE FUNCTION iasc_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;

CREATE TABLE news (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                    text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title                   text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  summary                 text,
  body_markdown           text,
  body_html               text,
  published_at            timestamptz,
  published_approx        text CHECK (published_approx ~ '^[0-9]{4}(-[0-9]{2})?$'),
  published_at_confidence text CHECK (published_at_confidence IN ('confirmed', 'inferred')),
  source_url              text,
  related_urls            text[] NOT NULL DEFAULT '{}',
  source_note             text,
  tags                    text[] NOT NULL DEFAULT '{}',
  in_seed                 boolean NOT NULL DEFAULT false,
  status                  text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
  version                 integer NOT NULL DEFAULT 1,
  created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at              timestamptz,
  search                  tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(body_markdown, '')), 'C')) STORED
);
CREATE INDEX news_search_idx ON news USING gin (search);
CREATE INDEX news_tags_idx ON news USING gin (tags);
CREATE INDEX news_order_idx ON news ((coalesce(published_at, '-infinity')) DESC, id DESC);
CREATE INDEX news_updated_idx ON news (updated_at, id);

CREATE TABLE publications (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  type             text NOT NULL CHECK (type ~ '^[a-z0-9_]+$'),
  summary          text,
  authors          text[] NOT NULL DEFAULT '{}',
  partners         text[] NOT NULL DEFAULT '{}',
  identifiers      jsonb NOT NULL DEFAULT '{}',
  published_at     timestamptz,
  published_approx text CHECK (published_approx ~ '^[0-9]{4}(-[0-9]{2})?$'),
  source_url       text,
  source_note      text,
  tags             text[] NOT NULL DEFAULT '{}',
  in_seed          boolean NOT NULL DEFAULT false,
  status           text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at       timestamptz,
  search           tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(summary, '')), 'B')) STORED
);
CREATE INDEX publications_search_idx ON publications USING gin (search);
CREATE INDEX publications_tags_idx ON publications USING gin (tags);
CREATE INDEX publications_order_idx ON publications ((coalesce(published_at, '-infinity')) DESC, id DESC);
CREATE INDEX publications_updated_idx ON publications (updated_at, id);

CREATE TABLE publication_documents (
  publication_id uuid NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  url            text NOT NULL,
  media_type     text,
  size_bytes     bigint CHECK (size_bytes >= 0),
  title          text,
  PRIMARY KEY (publication_id, position)
);

CREATE TABLE helplines (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                   text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name                   text NOT NULL,
  kind                   text NOT NULL CHECK (kind IN ('phone', 'email')),
  phone                  text,            -- exactly as published
  phone_alternatives     text[] NOT NULL DEFAULT '{}',
  dial_digits            text CHECK (dial_digits ~ '^[0-9]+$'),
  phone_e164             text CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  email                  text,
  urgency                text NOT NULL CHECK (urgency IN ('emergency', 'non-emergency', 'anonymous', 'advice')),
  availability           text,            -- as published, null when unknown
  is_24_7                boolean NOT NULL DEFAULT false,
  jurisdictions          text[] NOT NULL DEFAULT '{}',
  operator               text,
  description            text,
  link                   text,
  position               integer NOT NULL,
  valid_from             date,
  valid_to               date,            -- inclusive
  source_url             text,
  additional_source_urls text[] NOT NULL DEFAULT '{}',
  notes                  text,
  confidence             text NOT NULL DEFAULT 'confirmed' CHECK (confidence IN ('confirmed', 'uncertain')),
  in_seed                boolean NOT NULL DEFAULT false,
  status                 text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
  published_at           timestamptz,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at             timestamptz,
  CHECK (kind <> 'phone' OR phone IS NOT NULL),
  CHECK (kind <> 'email' OR email IS NOT NULL)
);
CREATE INDEX helplines_order_idx ON helplines (position, id);
CREATE INDEX helplines_updated_idx ON helplines (updated_at, id);

CREATE TABLE support_rates (
  id                     text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title                  text NOT NULL,
  description            text NOT NULL,
  jurisdiction           text NOT NULL,
  scheme                 text,
  category               text NOT NULL CHECK (category ~ '^[a-z0-9_]+$'),
  amount_pence           integer NOT NULL CHECK (amount_pence >= 0),
  currency               text NOT NULL DEFAULT 'GBP' CHECK (currency = 'GBP'),
  period                 text NOT NULL CHECK (period IN ('week', 'one_off')),
  effective_from         date,            -- null: unknown or open
  effective_to           date,            -- inclusive; null: unknown or open
  superseded_by          text,
  attested_on            text[] NOT NULL DEFAULT '{}',
  source_url             text,
  additional_source_urls text[] NOT NULL DEFAULT '{}',
  notes                  text,
  confidence             text NOT NULL DEFAULT 'confirmed' CHECK (confidence IN ('confirmed', 'uncertain')),
  in_seed                boolean NOT NULL DEFAULT false,
  status                 text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
  published_at           timestamptz,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at             timestamptz,
  CHECK (effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from)
);
CREATE INDEX support_rates_order_idx ON support_rates (jurisdiction, category, effective_from NULLS FIRST, id);
CREATE INDEX support_rates_updated_idx ON support_rates (updated_at, id);

CREATE TABLE resources (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                   text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  type                   text NOT NULL CHECK (type ~ '^[a-z0-9_]+$'),
  collection             text CHECK (collection ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  summary                text,
  organisation           text,
  role                   text,
  jurisdictions          text[] NOT NULL DEFAULT '{}',
  link                   text,
  published_at           timestamptz,
  published_approx       text CHECK (published_approx ~ '^[0-9]{4}(-[0-9]{2})?$'),
  source_url             text,
  additional_source_urls text[] NOT NULL DEFAULT '{}',
  source_note            text,
  tags                   text[] NOT NULL DEFAULT '{}',
  in_seed                boolean NOT NULL DEFAULT false,
  status                 text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at             timestamptz,
  search                 tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(organisation, '') || ' ' || coalesce(role, '')), 'B')) STORED
);
CREATE INDEX resources_search_idx ON resources USING gin (search);
CREATE INDEX resources_tags_idx ON resources USING gin (tags);
CREATE INDEX resources_order_idx ON resources ((coalesce(published_at, '-infinity')) DESC, id DESC);
CREATE INDEX resources_updated_idx ON resources (updated_at, id);

CREATE TRIGGER news_touch BEFORE UPDATE ON news FOR EACH ROW EXECUTE FUNCTION iasc_touch();
CREATE TRIGGER publications_touch BEFORE UPDATE ON publications FOR EACH ROW EXECUTE FUNCTION iasc_touch();
CREATE TRIGGER helplines_touch BEFORE UPDATE ON helplines FOR EACH ROW EXECUTE FUNCTION iasc_touch();
CREATE TRIGGER support_rates_touch BEFORE UPDATE ON support_rates FOR EACH ROW EXECUTE FUNCTION iasc_touch();
CREATE TRIGGER resources_touch BEFORE UPDATE ON resources FOR EACH ROW EXECUTE FUNCTION iasc_touch();
CREATE TRIGGER news_tags AFTER INSERT OR UPDATE OF tags ON news FOR EACH ROW EXECUTE FUNCTION iasc_register_tags();
CREATE TRIGGER publications_tags AFTER INSERT OR UPDATE OF tags ON publications FOR EACH ROW EXECUTE FUNCTION iasc_register_tags();
CREATE TRIGGER resources_tags AFTER INSERT OR UPDATE OF tags ON resources FOR EACH ROW EXECUTE FUNCTION iasc_register_tags();
