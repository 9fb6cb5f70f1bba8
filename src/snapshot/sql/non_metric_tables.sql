-- Tables in prom_data without a view of the same name in prom_metric (each
-- metric table has one). Run only when object_counts.sql's name checksum
-- says the two schemas differ.
SELECT pg_catalog.json_build_object('non_metric_tables_in_prom_data', coalesce(pg_catalog.json_agg(
           pg_catalog.format('%I.%I', 'prom_data', c.relname) ORDER BY c.relname), '[]'))::text
FROM pg_catalog.pg_class c
WHERE c.relnamespace = pg_catalog.to_regnamespace('prom_data')
  AND c.relkind IN ('r', 'p', 'f')
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_class v
      WHERE v.relnamespace = pg_catalog.to_regnamespace('prom_metric')
        AND v.relname = c.relname AND v.relkind = 'v')
