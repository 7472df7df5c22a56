-- 0011: tokens may hold the metrics scope (GET /metrics reads the Prometheus exposition).
ALTER TABLE tokens DROP CONSTRAINT tokens_scopes_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_scopes_check
  CHECK (scopes <@ ARRAY['news:write', 'publications:write', 'helplines:write', 'support-rates:write',
                         'resources:write', 'metrics', 'admin']::text[]
         AND cardinality(scopes) > 0);
