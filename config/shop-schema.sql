-- The demo's tables in database "shop": run by ./tablestream-local --demo and by the compose postgres service.
-- Every write sets updated_at: the polling source (config/source-shop-polling.json) reads changes by (updated_at, id);
-- the CDC source (config/source-shop.json) reads them from the WAL, deletes included.
CREATE TABLE IF NOT EXISTS customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  city text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  amount numeric(10,2) NOT NULL,
  status text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO customers (name, city)
SELECT n.name, n.city FROM (VALUES
  ('Alice', 'Amsterdam'), ('Bob', 'Berlin'), ('Chloé', 'Cork'), ('Dmitri', 'Dublin'),
  ('Eve', 'Edinburgh'), ('Farid', 'Frankfurt'), ('Grace', 'Genoa'), ('Hiro', 'Helsinki')) AS n(name, city)
WHERE NOT EXISTS (SELECT 1 FROM customers);
