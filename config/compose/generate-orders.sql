-- One change to table orders, run by the generator service of docker-compose.yml about 5 times a second: the same
-- mix as ./tablestream-local --demo (half inserts, three in ten status updates, two in ten deletes), so the CDC
-- source has inserts, updates and deletes to carry.
DO $$
DECLARE
  dice double precision := random();
  target bigint;
BEGIN
  SELECT id INTO target FROM orders
   WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1)) FROM orders)
   ORDER BY id LIMIT 1;
  IF target IS NULL OR dice < 0.5 THEN
    INSERT INTO orders (customer_id, amount, status, updated_at)
    SELECT id, round((1 + random() * 999)::numeric, 2), 'new', clock_timestamp()
      FROM customers ORDER BY random() LIMIT 1;
  ELSIF dice < 0.8 THEN
    UPDATE orders SET updated_at = clock_timestamp(),
      status = CASE status WHEN 'new' THEN 'paid' WHEN 'paid' THEN 'shipped' ELSE 'delivered' END
     WHERE id = target;
  ELSE
    DELETE FROM orders WHERE id = target;
  END IF;
END
$$;
