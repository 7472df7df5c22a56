-- 0004: admin writes: tokens, the audit log, idempotency keys, and iasc_write, the one
-- function every write goes through (so the change, its audit record and its idempotency
-- record commit together or not at all).

CREATE TABLE tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash   text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'), -- SHA-256, hex
  scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['news:write', 'publications:write',
                 'helplines:write', 'support-rates:write', 'resources:write', 'admin']
                 AND cardinality(scopes) > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);

CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  token_id   uuid REFERENCES tokens (id),
  token_name text NOT NULL,
  action     text NOT NULL CHECK (action IN ('create', 'replace', 'update', 'delete')),
  item_type  text NOT NULL,
  item_id    text NOT NULL,
  item_slug  text NOT NULL,
  before     jsonb,
  after      jsonb
);
CREATE INDEX audit_log_item_idx ON audit_log (item_type, item_id, id DESC);

CREATE TABLE idempotency_keys (
  token_id   uuid NOT NULL REFERENCES tokens (id),
  key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  status     integer NOT NULL,
  body       text NOT NULL,
  location   text,
  etag       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, key)
);

-- An item's ETag: derived from its identity and version, never from the host it was read on.
CREATE FUNCTION iasc_etag(id text, version integer) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT '"' || substr(md5(id), 1, 10) || '-' || version || '"' $$;

-- The writable columns of each content table, in one place.
CREATE FUNCTION iasc_writable_columns(tbl text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE tbl
    WHEN 'news' THEN 'slug, title, summary, body_markdown, body_html, published_at, published_approx, '
      'published_at_confidence, source_url, related_urls, source_note, tags, status'
    WHEN 'publications' THEN 'slug, title, type, summary, authors, partners, identifiers, published_at, '
      'published_approx, source_url, source_note, tags, status'
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

-- The JSON representation of row `key` (slug, or id for support rates) of a table.
CREATE FUNCTION iasc_item_json(tbl text, item_id text, base text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  out text;
BEGIN
  EXECUTE CASE tbl
    WHEN 'news' THEN 'SELECT iasc_news_json(t, $1, true)::text FROM news t WHERE t.id::text = $2'
    WHEN 'publications' THEN 'SELECT iasc_publication_json(t, $1)::text FROM publications t WHERE t.id::text = $2'
    WHEN 'helplines' THEN 'SELECT iasc_helpline_json(t, $1)::text FROM helplines t WHERE t.id::text = $2'
    WHEN 'support_rates' THEN 'SELECT iasc_support_rate_json(t, $1)::text FROM support_rates t WHERE t.id = $2'
    WHEN 'resources' THEN 'SELECT iasc_resource_json(t, $1)::text FROM resources t WHERE t.id::text = $2'
  END INTO out USING base, item_id;
  RETURN out;
END $$;

-- Performs one write. kind: the API type (news, publications, helplines, support-rates,
-- resources); op: create | replace | update | delete; target: the slug (id for support
-- rates) of the item for all but create; doc: the complete validated item (every writable
-- column, as iasc_writable_columns names them; publications may add "documents");
-- if_match: NULL (no precondition), '{*}', or the ETags the client sent.
-- Returns status 201/200/204 with body, location and etag; or an error status
-- (404, 409, 412, 422) with body = {"detail": ..., "errors": [...]}.
CREATE FUNCTION iasc_write(kind text, op text, target text, doc jsonb, if_match text[],
                           tok uuid, tok_name text, idem_key text, idem_hash text, base text)
RETURNS TABLE (status integer, body text, location text, etag text)
LANGUAGE plpgsql AS $$
DECLARE
  tbl text := replace(kind, '-', '_');
  keycol text := CASE WHEN kind = 'support-rates' THEN 'id' ELSE 'slug' END;
  cols text := iasc_writable_columns(replace(kind, '-', '_'));
  cur_id text;
  cur_version integer;
  cur_doc jsonb;
  before_doc jsonb;
  after_doc jsonb;
  row_id text;
  row_key text;
  row_version integer;
  idem record;
  conflict_id text;
BEGIN
  IF cols IS NULL OR op NOT IN ('create', 'replace', 'update', 'delete') THEN
    RAISE EXCEPTION 'iasc_write: bad kind or op (%, %)', kind, op;
  END IF;
  -- Writes are serialised: a change's updated_at is taken after every earlier change has
  -- committed, so the sync stream (ordered by updated_at) is in commit order.
  PERFORM pg_advisory_xact_lock(7243917413);

  IF idem_key IS NOT NULL THEN
    DELETE FROM idempotency_keys k WHERE k.created_at < now() - interval '24 hours';
    SELECT * INTO idem FROM idempotency_keys k WHERE k.token_id = tok AND k.key = idem_key;
    IF FOUND THEN
      IF idem.request_hash <> idem_hash THEN
        RETURN QUERY SELECT 422, json_build_object('detail',
          'This Idempotency-Key was used with a different request in the last 24 hours.',
          'errors', json_build_array(json_build_object('field', 'Idempotency-Key',
            'message', 'reused with a different request')))::text, NULL::text, NULL::text;
      ELSE
        RETURN QUERY SELECT idem.status, idem.body, idem.location, idem.etag;
      END IF;
      RETURN;
    END IF;
  END IF;

  IF op <> 'create' THEN
    EXECUTE format('SELECT t.id::text, t.version, to_jsonb(t) FROM %I t '
                   'WHERE t.%I = $1 AND t.deleted_at IS NULL FOR UPDATE', tbl, keycol)
      INTO cur_id, cur_version, cur_doc USING target;
    IF cur_id IS NULL THEN
      RETURN QUERY SELECT 404, json_build_object('detail', 'No such item.')::text, NULL::text, NULL::text;
      RETURN;
    END IF;
    IF if_match IS NOT NULL AND NOT ('*' = ANY(if_match) OR iasc_etag(cur_id, cur_version) = ANY(if_match)) THEN
      RETURN QUERY SELECT 412, json_build_object('detail',
        'The item has changed since the ETag in If-Match was issued; fetch it again.')::text,
        NULL::text, iasc_etag(cur_id, cur_version);
      RETURN;
    END IF;
    before_doc := cur_doc - 'search';
    IF kind = 'publications' THEN
      before_doc := before_doc || jsonb_build_object('documents', iasc_publication_documents(cur_id::uuid)::jsonb);
    END IF;
  ELSIF if_match IS NOT NULL THEN
    RETURN QUERY SELECT 412, json_build_object('detail', 'If-Match needs an existing item.')::text,
      NULL::text, NULL::text;
    RETURN;
  END IF;

  -- Support rates: no overlap with a known period of the same jurisdiction and category.
  IF kind = 'support-rates' AND op <> 'delete' THEN
    SELECT r.id INTO conflict_id FROM support_rates r
    WHERE r.deleted_at IS NULL AND r.id <> coalesce(cur_id, doc->>'id')
      AND r.jurisdiction = doc->>'jurisdiction' AND r.category = doc->>'category'
      AND (r.effective_from IS NOT NULL OR r.effective_to IS NOT NULL)
      AND daterange(r.effective_from, r.effective_to, '[]') &&
          daterange((doc->>'effective_from')::date, (doc->>'effective_to')::date, '[]')
    ORDER BY r.effective_from NULLS FIRST LIMIT 1;
    IF conflict_id IS NOT NULL THEN
      RETURN QUERY SELECT 422, json_build_object('detail',
        'The period overlaps the rate ' || conflict_id || ' for the same jurisdiction and category.',
        'errors', json_build_array(json_build_object('field', 'effective_from',
          'message', 'overlaps the period of ' || conflict_id)))::text, NULL::text, NULL::text;
      RETURN;
    END IF;
  END IF;

  BEGIN
    IF op = 'create' THEN
      EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM jsonb_populate_record(NULL::%I, $1) '
                     'RETURNING id::text, %I, version', tbl, cols, cols, tbl, keycol)
        INTO row_id, row_key, row_version USING doc;
    ELSIF op = 'delete' THEN
      EXECUTE format('UPDATE %I t SET deleted_at = now() WHERE t.id::text = $1 '
                     'RETURNING id::text, %I, version', tbl, keycol)
        INTO row_id, row_key, row_version USING cur_id;
    ELSE
      EXECUTE format('UPDATE %I t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%I, $1)) '
                     'WHERE t.id::text = $2 RETURNING id::text, %I, version',
                     tbl, cols, cols, tbl, keycol)
        INTO row_id, row_key, row_version USING doc, cur_id;
    END IF;
  EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 409, json_build_object('detail',
      'Another ' || kind || ' item already has this ' || keycol || '.',
      'errors', json_build_array(json_build_object('field', keycol, 'message', 'is taken')))::text,
      NULL::text, NULL::text;
    RETURN;
  END;

  IF kind = 'publications' AND op <> 'delete' THEN
    DELETE FROM publication_documents d WHERE d.publication_id = row_id::uuid;
    INSERT INTO publication_documents (publication_id, position, url, media_type, size_bytes, title)
    SELECT row_id::uuid, e.n, e.d->>'url', e.d->>'media_type', (e.d->>'size_bytes')::bigint, e.d->>'title'
    FROM jsonb_array_elements(coalesce(doc->'documents', '[]')) WITH ORDINALITY AS e(d, n);
  END IF;

  IF op <> 'delete' THEN
    EXECUTE format('SELECT to_jsonb(t) - ''search'' FROM %I t WHERE t.id::text = $1', tbl)
      INTO after_doc USING row_id;
    IF kind = 'publications' THEN
      after_doc := after_doc || jsonb_build_object('documents', iasc_publication_documents(row_id::uuid)::jsonb);
    END IF;
  END IF;

  INSERT INTO audit_log (token_id, token_name, action, item_type, item_id, item_slug, before, after)
  VALUES (tok, tok_name, op, kind, row_id, row_key, before_doc, after_doc);

  status := CASE op WHEN 'create' THEN 201 WHEN 'delete' THEN 204 ELSE 200 END;
  body := CASE WHEN op = 'delete' THEN '' ELSE iasc_item_json(tbl, row_id, base) END;
  location := base || '/v1/' || kind || '/' || row_key;
  etag := iasc_etag(row_id, row_version);
  IF idem_key IS NOT NULL THEN
    INSERT INTO idempotency_keys (token_id, key, request_hash, status, body, location, etag)
    VALUES (tok, idem_key, idem_hash, status, body, location, etag);
  END IF;
  RETURN NEXT;
END $$;
