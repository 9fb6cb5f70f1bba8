-- The rehearsals in the guard's log, the newest hundred (a row is written
-- per manual promscale_upgrade_rehearse() or import, so that is all of them
-- in practice): run here or imported from a restored copy, succeeded or
-- failed, each with its catalog's size (rehearsal/history.rs picks the one
-- that decides). Each row as to_jsonb() gives it, so that a log created by
-- an older guard version, without the columns 0.4.0 added, still reads
-- (their keys are absent). Run only when the log is readable and its lock
-- granted at once.
SELECT pg_catalog.json_build_object('rehearsals', (
    SELECT pg_catalog.json_agg(x.rehearsal ORDER BY x.measured_at) FROM (
        SELECT r.measured_at,
               j.entry OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                   'origin', COALESCE(j.entry OPERATOR(pg_catalog.->>) 'origin', 'local'),
                   'measured_at', pg_catalog.to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                   'duration_seconds',
                   EXTRACT(epoch FROM (j.entry OPERATOR(pg_catalog.->>) 'duration')::pg_catalog.interval)::pg_catalog.float8)
                   AS rehearsal
        FROM promscale_upgrade_guard.rehearsal_log r,
             LATERAL (SELECT pg_catalog.to_jsonb(r) AS entry) AS j
        ORDER BY r.measured_at DESC
        LIMIT 100) x))::pg_catalog.text
