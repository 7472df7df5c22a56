-- 0008: an item is dated when it is published.
-- News, publications and resources are listed and fed newest first by published_at; an
-- item published without a date would sort below the whole archive (and out of the feeds'
-- newest 50). So an item that becomes published (created published, or a draft published)
-- with neither published_at nor published_approx is dated at that write. Items already
-- published keep what they have, and the seed keeps its undated items undated (their
-- sources give no date; it sets iasc.keep_undated for its transaction).
CREATE FUNCTION iasc_date_on_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'published' AND NEW.published_at IS NULL AND NEW.published_approx IS NULL
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'published')
     AND coalesce(current_setting('iasc.keep_undated', true), '') <> 'on' THEN
    NEW.published_at := now();
  END IF;
  RETURN NEW;
END
$$;

-- BEFORE triggers fire in name order: this one before *_touch and *_zz_public_slug.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['news', 'publications', 'resources'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW '
                   'EXECUTE FUNCTION iasc_date_on_publish()', t || '_publish_date', t);
  END LOOP;
END
$$;
