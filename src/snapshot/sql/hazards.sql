-- What the upgrade would destroy or trip over, from the catalog alone:
-- sizes come from pg_class statistics and the statistics collector, never
-- from opening a table, so a session holding ACCESS EXCLUSIVE cannot block us.
WITH RECURSIVE
-- The tracing tables that the 0.11 takeover drops or truncates, with their
-- partitions and TimescaleDB chunks (inheritance children).
tracing_roots AS (
    SELECT c.oid FROM pg_catalog.pg_class c
    WHERE c.relnamespace = pg_catalog.to_regnamespace('_ps_trace')
      AND c.relname IN ('span', 'event', 'link', 'tag', 'operation', 'instrumentation_lib', 'schema_url')
      AND c.relkind IN ('r', 'p')
), tracing_rels(oid) AS (
    SELECT oid FROM tracing_roots
    UNION
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tracing_rels t ON i.inhparent = t.oid
), tracing AS (
    SELECT (SELECT count(*) FROM tracing_roots) AS tables,
           coalesce(sum(GREATEST(c.reltuples, 0, pg_catalog.pg_stat_get_live_tuples(c.oid))), 0)::bigint AS rows_estimate,
           coalesce(sum(c.relpages
                        + coalesce((SELECT sum(ic.relpages) FROM pg_catalog.pg_index x
                                    JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
                                    WHERE x.indrelid = c.oid), 0)
                        + coalesce((SELECT t.relpages FROM pg_catalog.pg_class t WHERE t.oid = c.reltoastrelid), 0)
               ), 0)::bigint * pg_catalog.current_setting('block_size')::bigint AS bytes
    -- One index lookup per tracing relation (OFFSET 0 keeps the planner from
    -- hashing all of pg_class for a handful of rows).
    FROM tracing_rels r CROSS JOIN LATERAL (
        SELECT * FROM pg_catalog.pg_class c WHERE c.oid = r.oid OFFSET 0) AS c
),
-- Objects outside any extension that depend on the view prom_info.metric.
prom_info_metric AS (
    -- Looked up by name in the catalog: to_regclass() would need USAGE on
    -- the schema, which pg_monitor does not have.
    SELECT c.oid FROM pg_catalog.pg_class c
    WHERE c.relnamespace = pg_catalog.to_regnamespace('prom_info') AND c.relname = 'metric'
), dependents AS (
    -- A view depends through its rewrite rule; name the view, not the rule.
    SELECT DISTINCT
           CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END AS classid,
           coalesce(r.ev_class, d.objid) AS objid
    FROM prom_info_metric m
    JOIN pg_catalog.pg_depend d
      ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = m.oid AND d.deptype = 'n'
    LEFT JOIN pg_catalog.pg_rewrite r
      ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
    WHERE r.ev_class IS DISTINCT FROM m.oid
), user_dependents AS (
    SELECT o.type AS kind, o.identity
    FROM dependents dep, LATERAL pg_catalog.pg_identify_object(dep.classid, dep.objid, 0) AS o
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend e
        WHERE e.classid = dep.classid AND e.objid = dep.objid AND e.deptype = 'e')
)
SELECT pg_catalog.json_build_object(
    'tracing', (SELECT pg_catalog.json_build_object('tables', tables, 'rows_estimate', rows_estimate, 'bytes', bytes) FROM tracing),
    'prom_info_metric_dependents', coalesce((SELECT pg_catalog.json_agg(
        pg_catalog.json_build_object('kind', kind, 'identity', identity) ORDER BY identity) FROM user_dependents), '[]')
)::text
