-- The Promscale objects an upgrade can lock, counted by class from the
-- catalog in one pass over the relations of the 13 Promscale schemas (and
-- their TimescaleDB chunks, which are inheritance children elsewhere). Never
-- opens a Promscale table. Per-metric classes scale with the metrics; the
-- fixed classes are the extension's own objects.
WITH promscale_ns AS MATERIALIZED (
    SELECT n.oid, n.nspname,
           CASE n.nspname WHEN 'prom_data' THEN 'metric'
                          WHEN 'prom_data_series' THEN 'series'
                          WHEN 'prom_data_exemplar' THEN 'exemplar'
                          WHEN 'prom_metric' THEN 'view'
                          WHEN 'prom_series' THEN 'view'
                          ELSE 'fixed' END AS role
    FROM pg_catalog.pg_namespace n
    WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
                        'prom_data_series', 'prom_info', 'prom_data_exemplar', 'prom_metric', 'prom_series',
                        'ps_tag', 'ps_trace')
), own_rels AS MATERIALIZED (
    SELECT c.oid, c.relkind, c.reltoastrelid, n.role
    FROM pg_catalog.pg_class c JOIN promscale_ns n ON n.oid = c.relnamespace
    WHERE c.relkind NOT IN ('i', 'I')
), chunks AS MATERIALIZED (
    -- TimescaleDB chunks and other inheritance children stored outside the
    -- Promscale schemas: they belong to their parent's class.
    SELECT c.oid, c.relkind, c.reltoastrelid,
           CASE WHEN p.role IN ('metric', 'exemplar') THEN 'chunk' ELSE p.role END AS role
    FROM own_rels p
    JOIN pg_catalog.pg_inherits i ON i.inhparent = p.oid
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE NOT EXISTS (SELECT 1 FROM promscale_ns n WHERE n.oid = c.relnamespace)
), rels AS (
    SELECT * FROM own_rels UNION ALL SELECT * FROM chunks
), index_counts AS MATERIALIZED (
    -- One pass over pg_index, not one probe per relation.
    SELECT x.indrelid, count(*) AS n FROM pg_catalog.pg_index x GROUP BY x.indrelid
), by_role AS (
    SELECT r.role,
           count(*) AS relations,
           count(*) FILTER (WHERE r.reltoastrelid <> 0) AS toast_tables,
           coalesce(sum(ic.n), 0) AS indexes
    FROM rels r LEFT JOIN index_counts ic ON ic.indrelid = r.oid
    GROUP BY r.role
), fixed_rels AS MATERIALIZED (
    SELECT oid FROM rels WHERE role = 'fixed'
), fixed_ns AS MATERIALIZED (
    SELECT oid FROM promscale_ns WHERE role = 'fixed'
), promscale_ext AS (
    SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'promscale'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, promscale_ext e
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid AND d.deptype = 'e'
)
SELECT pg_catalog.json_build_object('objects', pg_catalog.json_build_object(
    'metric_tables', coalesce((SELECT relations FROM by_role WHERE role = 'metric'), 0),
    'metric_indexes', coalesce((SELECT indexes FROM by_role WHERE role = 'metric'), 0),
    'metric_toast', coalesce((SELECT toast_tables FROM by_role WHERE role = 'metric'), 0),
    'chunks', coalesce((SELECT relations FROM by_role WHERE role = 'chunk'), 0),
    'chunk_indexes', coalesce((SELECT indexes FROM by_role WHERE role = 'chunk'), 0),
    'chunk_toast', coalesce((SELECT toast_tables FROM by_role WHERE role = 'chunk'), 0),
    'series_partitions', coalesce((SELECT relations FROM by_role WHERE role = 'series'), 0),
    'series_indexes', coalesce((SELECT indexes FROM by_role WHERE role = 'series'), 0),
    'series_toast', coalesce((SELECT toast_tables FROM by_role WHERE role = 'series'), 0),
    'metric_views', coalesce((SELECT relations FROM by_role WHERE role = 'view'), 0),
    'exemplar_tables', coalesce((SELECT relations FROM by_role WHERE role = 'exemplar'), 0),
    'exemplar_indexes', coalesce((SELECT indexes FROM by_role WHERE role = 'exemplar'), 0),
    'exemplar_toast', coalesce((SELECT toast_tables FROM by_role WHERE role = 'exemplar'), 0),
    'fixed_relations', coalesce((SELECT relations FROM by_role WHERE role = 'fixed'), 0),
    'fixed_indexes', coalesce((SELECT indexes FROM by_role WHERE role = 'fixed'), 0),
    'fixed_toast', coalesce((SELECT toast_tables FROM by_role WHERE role = 'fixed'), 0),
    'routines', (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM fixed_ns)),
    'types', (SELECT count(*) FROM pg_catalog.pg_type t
              WHERE t.typnamespace IN (SELECT oid FROM fixed_ns) AND t.typcategory <> 'A'),
    'constraints', (SELECT count(*) FROM pg_catalog.pg_constraint k
                    WHERE k.conrelid IN (SELECT oid FROM fixed_rels)
                       OR (k.contypid <> 0 AND k.connamespace IN (SELECT oid FROM fixed_ns))),
    'triggers', (SELECT count(*) FROM pg_catalog.pg_trigger g WHERE g.tgrelid IN (SELECT oid FROM fixed_rels)),
    'operators', (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM fixed_ns)),
    'column_defaults', (SELECT count(*) FROM pg_catalog.pg_attrdef a WHERE a.adrelid IN (SELECT oid FROM fixed_rels)),
    'schemas', (SELECT count(*) FROM promscale_ns),
    'extension_routines', (SELECT count(*) FROM members m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass),
    'extension_views', (SELECT count(*) FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.objid
                        WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.relkind IN ('v', 'm')),
    'relations_outside_system_schemas', (
        SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_toast%')
))::text
