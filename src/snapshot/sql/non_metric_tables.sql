-- Tables in prom_data without a view of the same name in prom_metric (each
-- metric table has one). Run only when object_counts.sql's name checksum
-- says the two schemas differ.
SELECT pg_catalog.json_build_object('non_metric_tables_in_prom_data', coalesce(pg_catalog.json_agg(
           pg_catalog.format('%I.%I', 'prom_data', c.relname) ORDER BY c.relname), '[]'))::pg_catalog.text
FROM pg_catalog.pg_class c
WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace('prom_data')
  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'f']::pg_catalog."char"[])
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_class v
      WHERE v.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace('prom_metric')
        AND v.relname OPERATOR(pg_catalog.=) c.relname AND v.relkind OPERATOR(pg_catalog.=) 'v')
