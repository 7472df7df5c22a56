-- 0006: tombstones only for items the public has seen.
-- A sync stream with include_deleted=true tells mirrors to drop items that are no longer
-- public. It must not reveal drafts or scheduled items that were never public, so each row
-- remembers the slug under which it was last public (NULL: never public) and tombstones are
-- served only for rows that have one, under that slug.

ALTER TABLE news ADD COLUMN public_slug text;
ALTER TABLE publications ADD COLUMN public_slug text;
ALTER TABLE helplines ADD COLUMN public_slug text;
ALTER TABLE support_rates ADD COLUMN public_slug text;
ALTER TABLE resources ADD COLUMN public_slug text;

-- Runs after iasc_touch (triggers fire in name order), so updated_at is final. Visible as in
-- the sync stream: published, not deleted, and not scheduled beyond its last change.
CREATE FUNCTION iasc_remember_public_slug() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.deleted_at IS NULL AND NEW.status = 'published'
     AND (NEW.published_at IS NULL OR NEW.published_at <= NEW.updated_at) THEN
    NEW.public_slug := CASE WHEN TG_TABLE_NAME = 'support_rates' THEN NEW.id::text
                            ELSE to_jsonb(NEW)->>'slug' END;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER news_zz_public_slug BEFORE INSERT OR UPDATE ON news
  FOR EACH ROW EXECUTE FUNCTION iasc_remember_public_slug();
CREATE TRIGGER publications_zz_public_slug BEFORE INSERT OR UPDATE ON publications
  FOR EACH ROW EXECUTE FUNCTION iasc_remember_public_slug();
CREATE TRIGGER helplines_zz_public_slug BEFORE INSERT OR UPDATE ON helplines
  FOR EACH ROW EXECUTE FUNCTION iasc_remember_public_slug();
CREATE TRIGGER support_rates_zz_public_slug BEFORE INSERT OR UPDATE ON support_rates
  FOR EACH ROW EXECUTE FUNCTION iasc_remember_public_slug();
CREATE TRIGGER resources_zz_public_slug BEFORE INSERT OR UPDATE ON resources
  FOR EACH ROW EXECUTE FUNCTION iasc_remember_public_slug();

-- Rows that exist already: remembered without counting as a change (no new updated_at).
DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['news', 'publications', 'helplines', 'support_rates', 'resources'] LOOP
    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', tbl);
    EXECUTE format('UPDATE %I SET public_slug = %s WHERE deleted_at IS NULL AND status = ''published'''
                   ' AND (published_at IS NULL OR published_at <= updated_at)',
                   tbl, CASE WHEN tbl = 'support_rates' THEN 'id' ELSE 'slug' END);
    EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', tbl);
  END LOOP;
END $$;
