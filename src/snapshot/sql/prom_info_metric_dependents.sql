-- The user objects an upgrade that recreates the view prom_info.metric
-- trips over, from the catalog alone. Read only when the upgrade crosses
-- such a release (checks/hazards.rs).
-- Objects outside any extension that depend on the view prom_info.metric.
WITH prom_info_metric AS (
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
    -- Other sessions' temporary objects are counted, not named: they are
    -- not the caller's to drop, and they go when their sessions end.
    'prom_info_metric_dependents', COALESCE((SELECT pg_catalog.json_agg(
        pg_catalog.json_build_object('kind', u.kind, 'identity', u.identity) ORDER BY u.identity)
        FROM user_dependents u WHERE NOT u.other_sessions_temp), '[]'),
    'other_sessions_temp_dependents', (SELECT pg_catalog.count(*) FROM user_dependents u WHERE u.other_sessions_temp)
)::pg_catalog.text
