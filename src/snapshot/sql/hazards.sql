-- What the upgrade would destroy or trip over, from the catalog alone:
-- sizes come from pg_class statistics and the statistics collector, never
-- from opening a table, so a session holding ACCESS EXCLUSIVE cannot block us.
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
),
-- Objects outside any extension that depend on the view prom_info.metric.
prom_info_metric AS (
    -- Looked up by name in the catalog: to_regclass() would need USAGE on
    -- the schema, which pg_monitor does not have.
    SELECT c.oid FROM pg_catalog.pg_class c
    WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace('prom_info')
      AND c.relname OPERATOR(pg_catalog.=) 'metric'
), dependents AS (
    -- A view depends through its rewrite rule; name the view, not the rule.
    SELECT DISTINCT
           CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END AS classid,
           coalesce(r.ev_class, d.objid) AS objid
    FROM prom_info_metric m
    JOIN pg_catalog.pg_depend d
      ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.refobjid OPERATOR(pg_catalog.=) m.oid AND d.deptype OPERATOR(pg_catalog.=) 'n'
    LEFT JOIN pg_catalog.pg_rewrite r
      ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
     AND r.oid OPERATOR(pg_catalog.=) d.objid
    -- r.ev_class IS DISTINCT FROM m.oid (m.oid is never NULL), without the
    -- operator lookup IS DISTINCT FROM makes.
    WHERE (r.ev_class IS NULL OR r.ev_class OPERATOR(pg_catalog.<>) m.oid)
), user_dependents AS (
    -- Relations are named from pg_class in this query's own snapshot, so a
    -- view dropped meanwhile (a temporary one, created and dropped in a
    -- loop by any role with TEMP) is simply not there; other objects through
    -- pg_identify_object, which gives no identity for an object that is gone.
    SELECT CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'v' THEN 'view'
                WHEN c.relkind OPERATOR(pg_catalog.=) 'm' THEN 'materialized view'
                WHEN c.relkind OPERATOR(pg_catalog.=) 'f' THEN 'foreign table' ELSE 'table' END AS kind,
           pg_catalog.format('%I.%I', n.nspname, c.relname) AS identity,
           pg_catalog.pg_is_other_temp_schema(n.oid) AS other_sessions_temp
    FROM dependents dep
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) dep.objid
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend e
        WHERE e.classid OPERATOR(pg_catalog.=) dep.classid AND e.objid OPERATOR(pg_catalog.=) dep.objid
          AND e.deptype OPERATOR(pg_catalog.=) 'e')
    UNION ALL
    SELECT o.type, o.identity,
           COALESCE(o.schema OPERATOR(pg_catalog.~) '^pg_(toast_)?temp_[0-9]+$', false)
    FROM dependents dep, LATERAL pg_catalog.pg_identify_object(dep.classid, dep.objid, 0) AS o
    WHERE dep.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_class'::pg_catalog.regclass
      AND o.identity IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend e
        WHERE e.classid OPERATOR(pg_catalog.=) dep.classid AND e.objid OPERATOR(pg_catalog.=) dep.objid
          AND e.deptype OPERATOR(pg_catalog.=) 'e')
)
SELECT pg_catalog.json_build_object(
    'tracing', (SELECT pg_catalog.json_build_object('tables', tables, 'rows_estimate', rows_estimate, 'bytes', bytes) FROM tracing),
    -- Other sessions' temporary objects are counted, not named: they are
    -- not the caller's to drop, and they go when their sessions end.
    'prom_info_metric_dependents', COALESCE((SELECT pg_catalog.json_agg(
        pg_catalog.json_build_object('kind', u.kind, 'identity', u.identity) ORDER BY u.identity)
        FROM user_dependents u WHERE NOT u.other_sessions_temp), '[]'),
    'other_sessions_temp_dependents', (SELECT pg_catalog.count(*) FROM user_dependents u WHERE u.other_sessions_temp)
)::pg_catalog.text
