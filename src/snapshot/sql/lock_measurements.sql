-- What rehearsals and logged upgrades measured: the lock estimate never
-- falls below what the same path held (locks/estimate.rs, calibration).
-- Run only when both logs exist and their locks are granted at once.
SELECT pg_catalog.json_build_object('lock_measurements', (
    SELECT pg_catalog.json_agg(m) FROM (
        SELECT 'upgrade' AS source,
               CASE WHEN l.kind OPERATOR(pg_catalog.=) 'install' THEN 'fresh' ELSE l.kind END AS path,
               l.from_version, l.to_version,
               pg_catalog.to_char(l.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS measured_at,
               l.locks_held, l.locks_estimated, l.locks_counted
        FROM promscale_upgrade_guard.upgrade_log l
        -- A baseline row measured nothing.
        WHERE l.kind OPERATOR(pg_catalog.<>) 'baseline'
        UNION ALL
        SELECT 'rehearsal', r.path, r.from_version, r.to_version,
               pg_catalog.to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
               r.locks_held, r.locks_estimated, r.locks_counted
        FROM promscale_upgrade_guard.rehearsal_log r WHERE r.locks_held IS NOT NULL) m))::pg_catalog.text
