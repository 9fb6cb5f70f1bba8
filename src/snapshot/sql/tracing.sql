-- The tracing data the 0.11 takeover drops, from the catalog alone: sizes
-- come from pg_class statistics and the statistics collector, never from
-- opening a table, so a session holding ACCESS EXCLUSIVE cannot block us.
-- Read only when the upgrade crosses that release (checks/hazards.rs).
WITH RECURSIVE
-- The tracing tables that the 0.11 takeover drops or truncates, with their
-- partitions and TimescaleDB chunks (inheritance children).
tracing_roots AS (
    SELECT c.oid FROM pg_catalog.pg_class c
    WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace('_ps_trace')
      AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['span', 'event', 'link', 'tag', 'operation', 'instrumentation_lib',
                                                      'schema_url']::pg_catalog.name[])
      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
), tracing_rels(oid) AS (
    SELECT oid FROM tracing_roots
    UNION
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tracing_rels t ON i.inhparent OPERATOR(pg_catalog.=) t.oid
), tracing AS (
    SELECT (SELECT pg_catalog.count(*) FROM tracing_roots) AS tables,
           coalesce(pg_catalog.sum(GREATEST(c.reltuples, 0, pg_catalog.pg_stat_get_live_tuples(c.oid))), 0)::pg_catalog.int8
               AS rows_estimate,
           coalesce(pg_catalog.sum(c.relpages
                        OPERATOR(pg_catalog.+) coalesce((SELECT pg_catalog.sum(ic.relpages) FROM pg_catalog.pg_index x
                                                         JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) x.indexrelid
                                                         WHERE x.indrelid OPERATOR(pg_catalog.=) c.oid), 0)
                        OPERATOR(pg_catalog.+) coalesce((SELECT t.relpages FROM pg_catalog.pg_class t
                                                         WHERE t.oid OPERATOR(pg_catalog.=) c.reltoastrelid), 0)
               ), 0)::pg_catalog.int8 OPERATOR(pg_catalog.*) pg_catalog.current_setting('block_size')::pg_catalog.int8 AS bytes
    -- One index lookup per tracing relation (OFFSET 0 keeps the planner from
    -- hashing all of pg_class for a handful of rows).
    FROM tracing_rels r CROSS JOIN LATERAL (
        SELECT * FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) r.oid OFFSET 0) AS c
)
SELECT pg_catalog.json_build_object(
    'tracing', (SELECT pg_catalog.json_build_object('tables', tables, 'rows_estimate', rows_estimate, 'bytes', bytes) FROM tracing)
)::pg_catalog.text
