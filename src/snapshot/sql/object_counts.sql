-- The Promscale objects an upgrade can lock, counted by class from the
-- catalog; never opens a Promscale table. One lean pass over pg_class,
-- grouped by schema, serves every relation class (indexes live in their
-- table's schema; toast tables are counted through their owner; TimescaleDB
-- chunks, with their indexes, live in _timescaledb_internal), the published
-- formula's relation count,
-- and a name checksum that tells whether every table in prom_data has its
-- view in prom_metric (only when it does not are the names compared). The
-- other catalogs are read only for the fixed schemas, never as a whole.
WITH ns AS MATERIALIZED (
    SELECT n.oid, n.nspname,
           CASE n.nspname WHEN 'prom_data' THEN 'metric'
                          WHEN 'prom_data_series' THEN 'series'
                          WHEN 'prom_data_exemplar' THEN 'exemplar'
                          WHEN 'prom_metric' THEN 'view'
                          WHEN 'prom_series' THEN 'view'
                          WHEN '_timescaledb_internal' THEN 'chunk'
                          WHEN '_prom_catalog' THEN 'fixed' WHEN '_prom_ext' THEN 'fixed'
                          WHEN '_ps_catalog' THEN 'fixed' WHEN '_ps_trace' THEN 'fixed'
                          WHEN 'prom_api' THEN 'fixed' WHEN 'prom_info' THEN 'fixed'
                          WHEN 'ps_tag' THEN 'fixed' WHEN 'ps_trace' THEN 'fixed' END AS role,
           n.nspname IN ('pg_catalog', 'information_schema') OR n.nspname LIKE 'pg\_toast%' AS system
    FROM pg_catalog.pg_namespace n
), per_schema AS MATERIALIZED (
    -- Grouped by plain columns, with one aggregate: this pass is the floor
    -- of everything the guard reports, so per row it only hashes its group
    -- key (FILTERed aggregates cost twice as much). The name checksum is
    -- computed only for the rows of its two schemas.
    SELECT c.relnamespace, c.relkind, c.reltoastrelid <> 0 AS has_toast,
           count(*) AS relations,
           sum(CASE WHEN c.relnamespace IN ((SELECT oid FROM ns WHERE nspname = 'prom_data'),
                                            (SELECT oid FROM ns WHERE nspname = 'prom_metric'))
                    THEN pg_catalog.hashtext(c.relname::text)::bigint END) AS name_hash
    FROM pg_catalog.pg_class c
    GROUP BY 1, 2, 3
), rel_classes AS (
    SELECT ns.role, p.relkind IN ('i', 'I') AS is_index, sum(p.relations) AS relations,
           coalesce(sum(p.relations) FILTER (WHERE p.has_toast), 0) AS toast_tables
    FROM per_schema p JOIN ns ON ns.oid = p.relnamespace
    WHERE ns.role IS NOT NULL
    GROUP BY 1, 2
), names AS (
    SELECT ns.nspname, sum(p.relations) AS named, coalesce(sum(p.name_hash), 0) AS name_hash
    FROM per_schema p JOIN ns ON ns.oid = p.relnamespace
    WHERE ns.nspname IN ('prom_data', 'prom_metric') AND p.relkind IN ('r', 'p', 'f', 'v')
    GROUP BY 1
), fixed_ns AS MATERIALIZED (
    SELECT oid FROM ns WHERE role = 'fixed'
), promscale_ext AS (
    SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'promscale'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, promscale_ext e
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid AND d.deptype = 'e'
)
SELECT pg_catalog.json_build_object(
    'objects', pg_catalog.json_build_object(
        'metric_tables', coalesce((SELECT relations FROM rel_classes WHERE role = 'metric' AND NOT is_index), 0),
        'metric_indexes', coalesce((SELECT relations FROM rel_classes WHERE role = 'metric' AND is_index), 0),
        'metric_toast', coalesce((SELECT toast_tables FROM rel_classes WHERE role = 'metric' AND NOT is_index), 0),
        'chunks', coalesce((SELECT relations FROM rel_classes WHERE role = 'chunk' AND NOT is_index), 0),
        'chunk_indexes', coalesce((SELECT relations FROM rel_classes WHERE role = 'chunk' AND is_index), 0),
        'chunk_toast', coalesce((SELECT toast_tables FROM rel_classes WHERE role = 'chunk' AND NOT is_index), 0),
        'series_partitions', coalesce((SELECT relations FROM rel_classes WHERE role = 'series' AND NOT is_index), 0),
        'series_indexes', coalesce((SELECT relations FROM rel_classes WHERE role = 'series' AND is_index), 0),
        'series_toast', coalesce((SELECT toast_tables FROM rel_classes WHERE role = 'series' AND NOT is_index), 0),
        'metric_views', coalesce((SELECT relations FROM rel_classes WHERE role = 'view' AND NOT is_index), 0),
        'exemplar_tables', coalesce((SELECT relations FROM rel_classes WHERE role = 'exemplar' AND NOT is_index), 0),
        'exemplar_indexes', coalesce((SELECT relations FROM rel_classes WHERE role = 'exemplar' AND is_index), 0),
        'exemplar_toast', coalesce((SELECT toast_tables FROM rel_classes WHERE role = 'exemplar' AND NOT is_index), 0),
        'fixed_relations', coalesce((SELECT relations FROM rel_classes WHERE role = 'fixed' AND NOT is_index), 0),
        'fixed_indexes', coalesce((SELECT relations FROM rel_classes WHERE role = 'fixed' AND is_index), 0),
        'fixed_toast', coalesce((SELECT toast_tables FROM rel_classes WHERE role = 'fixed' AND NOT is_index), 0),
        'routines', (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM fixed_ns)),
        -- Row types of the fixed relations (from the pass) and the other
        -- types of the extension (domains, enums; few, found through its
        -- members): scanning pg_type, which holds two rows per metric
        -- table, view and chunk, would cost as much as the pass.
        'types', coalesce((SELECT sum(p.relations) FROM per_schema p JOIN ns ON ns.oid = p.relnamespace
                           WHERE ns.role = 'fixed' AND p.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')), 0)
                 + (SELECT count(*) FROM members m JOIN pg_catalog.pg_type t ON t.oid = m.objid
                    WHERE m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid = 0
                      AND t.typcategory <> 'A'),
        'constraints', (SELECT count(*) FROM pg_catalog.pg_constraint k
                        WHERE k.connamespace IN (SELECT oid FROM fixed_ns)),
        'triggers', (SELECT count(*) FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
                     WHERE c.relnamespace IN (SELECT oid FROM fixed_ns)),
        'operators', (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM fixed_ns)),
        'column_defaults', (SELECT count(*) FROM pg_catalog.pg_attrdef a JOIN pg_catalog.pg_class c ON c.oid = a.adrelid
                            WHERE c.relnamespace IN (SELECT oid FROM fixed_ns)),
        'schemas', (SELECT count(*) FROM ns WHERE role IS NOT NULL AND role <> 'chunk'),
        'extension_routines', (SELECT count(*) FROM members m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass),
        'extension_views', (SELECT count(*) FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.objid
                            WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.relkind IN ('v', 'm')),
        'relations_outside_system_schemas', (SELECT coalesce(sum(p.relations), 0) FROM per_schema p
                                             JOIN ns ON ns.oid = p.relnamespace WHERE NOT ns.system)
    ),
    -- Same count and name checksum in both schemas: every table has its view.
    'prom_data_matches_prom_metric', coalesce((SELECT d.named = m.named AND d.name_hash = m.name_hash
                                               FROM names d, names m
                                               WHERE d.nspname = 'prom_data' AND m.nspname = 'prom_metric'),
                                              NOT EXISTS (SELECT 1 FROM names WHERE nspname = 'prom_data' AND named > 0)),
    -- The database's insert counter: every sample a connector ingests is an
    -- insert. (Per-relation counters of every chunk cost a statistics
    -- lookup per chunk: 90 ms and 50 MB at 10,000 metrics.)
    'database_rows_inserted', pg_catalog.pg_stat_get_db_tuples_inserted(
        (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
)::text
