-- 0003: instance-wide settings shared by every API instance on this database.
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The key that signs pagination cursors: random, made once, shared by all instances so
-- that a cursor issued by one is accepted by another.
INSERT INTO settings (key, value)
VALUES ('cursor_secret', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- Support rates are addressed by id; slug mirrors it so every item has one.
ALTER TABLE support_rates ADD COLUMN slug text GENERATED ALWAYS AS (id) STORED;
