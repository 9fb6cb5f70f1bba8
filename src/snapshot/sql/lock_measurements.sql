-- What rehearsals and logged upgrades measured: the lock estimate never
-- falls below what the same path held (locks/estimate.rs, calibration).
-- stored_at is when this database stored the row (an upgrade's end, a
-- local rehearsal's start, an import's imported_at), the order that
-- decides; origin says whether this database measured it (local) or a
-- record brought it (imported), which may raise the estimate but never
-- lower it. origin and imported_at came with guard 0.4.0, so they are read
-- through to_jsonb() (absent in an older log: local).
-- Run only when both logs exist and their locks are granted at once.
SELECT pg_catalog.json_build_object('lock_measurements', (
    SELECT pg_catalog.json_agg(m) FROM (
        SELECT 'upgrade' AS source,
               CASE WHEN l.kind OPERATOR(pg_catalog.=) 'install' THEN 'fresh' ELSE l.kind END AS path,
               l.from_version, l.to_version,
               pg_catalog.to_char(l.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS measured_at,
               pg_catalog.to_char(l.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS stored_at,
               'local'::pg_catalog.text AS origin,
               l.locks_held, l.locks_estimated, l.locks_counted
        FROM promscale_upgrade_guard.upgrade_log l
        -- A baseline row measured nothing.
        WHERE l.kind OPERATOR(pg_catalog.<>) 'baseline'
        UNION ALL
        SELECT 'rehearsal', r.path, r.from_version, r.to_version,
               pg_catalog.to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
               pg_catalog.to_char(COALESCE((j.entry OPERATOR(pg_catalog.->>) 'imported_at')::pg_catalog.timestamptz,
                                           r.measured_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
               COALESCE(j.entry OPERATOR(pg_catalog.->>) 'origin', 'local'),
               r.locks_held, r.locks_estimated, r.locks_counted
        FROM promscale_upgrade_guard.rehearsal_log r,
             LATERAL (SELECT pg_catalog.to_jsonb(r) AS entry) AS j
        WHERE r.locks_held IS NOT NULL) m))::pg_catalog.text
