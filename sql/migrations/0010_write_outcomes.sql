-- 0010: iasc_write reports what happened in the domain's own words (created, updated,
-- deleted, not_found, precondition_failed, conflict, invalid), not HTTP statuses: the one
-- table that turns them into statuses is in src/routes/problem.c. Idempotency records keep
-- the outcome they replay. The function is restated whole: applied migrations never change.

ALTER TABLE idempotency_keys ADD COLUMN outcome text;
UPDATE idempotency_keys SET outcome = CASE status WHEN 201 THEN 'created' WHEN 204 THEN 'deleted'
  ELSE 'updated' END;
ALTER TABLE idempotency_keys ALTER COLUMN outcome SET NOT NULL,
  ADD CONSTRAINT idempotency_keys_outcome_check CHECK (outcome IN ('created', 'updated', 'deleted')),
  DROP COLUMN status;

DROP FUNCTION iasc_write(text, text, text, jsonb, text[], uuid, text, text, text, text);

-- Performs one write. kind: the API type (news, publications, helplines, support-rates,
-- resources); op: create | replace | update | delete; target: the slug (id for support
-- rates) of the item for all but create; doc: the complete validated item (every writable
-- column, as iasc_writable_columns names them; publications may add "documents");
-- if_match: NULL (no precondition), '{*}', or the ETags the client sent.
-- Returns the outcome created | updated | deleted with body, location and etag; or
-- not_found | precondition_failed | conflict | invalid with body = {"detail": ...,
-- "errors": [...]} (precondition_failed carries the current etag).
CREATE FUNCTION iasc_write(kind text, op text, target text, doc jsonb, if_match text[],
                           tok uuid, tok_name text, idem_key text, idem_hash text, base text)
RETURNS TABLE (outcome text, body text, location text, etag text)
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
        RETURN QUERY SELECT 'invalid'::text, json_build_object('detail',
          'This Idempotency-Key was used with a different request in the last 24 hours.',
          'errors', json_build_array(json_build_object('field', 'Idempotency-Key',
            'message', 'reused with a different request')))::text, NULL::text, NULL::text;
      ELSE
        RETURN QUERY SELECT idem.outcome, idem.body, idem.location, idem.etag;
      END IF;
      RETURN;
    END IF;
  END IF;

  IF op <> 'create' THEN
    EXECUTE format('SELECT t.id::text, t.version, to_jsonb(t) FROM %I t '
                   'WHERE t.%I = $1 AND t.deleted_at IS NULL FOR UPDATE', tbl, keycol)
      INTO cur_id, cur_version, cur_doc USING target;
    IF cur_id IS NULL THEN
      RETURN QUERY SELECT 'not_found'::text, json_build_object('detail', 'No such item.')::text, NULL::text, NULL::text;
      RETURN;
    END IF;
    IF if_match IS NOT NULL AND NOT ('*' = ANY(if_match) OR iasc_etag(cur_id, cur_version) = ANY(if_match)) THEN
      RETURN QUERY SELECT 'precondition_failed'::text, json_build_object('detail',
        'The item has changed since the ETag in If-Match was issued; fetch it again.')::text,
        NULL::text, iasc_etag(cur_id, cur_version);
      RETURN;
    END IF;
    before_doc := cur_doc - 'search';
    IF kind = 'publications' THEN
      before_doc := before_doc || jsonb_build_object('documents', iasc_publication_documents(cur_id::uuid)::jsonb);
    END IF;
  ELSIF if_match IS NOT NULL THEN
    RETURN QUERY SELECT 'precondition_failed'::text, json_build_object('detail', 'If-Match needs an existing item.')::text,
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
      RETURN QUERY SELECT 'invalid'::text, json_build_object('detail',
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
    RETURN QUERY SELECT 'conflict'::text, json_build_object('detail',
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

  outcome := CASE op WHEN 'create' THEN 'created' WHEN 'delete' THEN 'deleted' ELSE 'updated' END;
  body := CASE WHEN op = 'delete' THEN '' ELSE iasc_item_json(tbl, row_id, base) END;
  location := base || '/v1/' || kind || '/' || row_key;
  etag := iasc_etag(row_id, row_version);
  IF idem_key IS NOT NULL THEN
    INSERT INTO idempotency_keys (token_id, key, request_hash, outcome, body, location, etag)
    VALUES (tok, idem_key, idem_hash, outcome, body, location, etag);
  END IF;
  RETURN NEXT;
END $$;
