-- The rehearsals in the guard's log, the hundred stored last (a row is
-- written per manual promscale_upgrade_rehearse() or import, so that is all
-- of them in practice): run here or imported from a restored copy,
-- succeeded or failed, each with its catalog's size (rehearsal_history.rs
-- picks the one that decides). Each row as to_jsonb() gives it, so that a
-- log created by an older guard version, without the columns 0.4.0 added,
-- still reads (their keys are absent). stored_at is when this database
-- stored the row (imported_at for an imported one, the rehearsal's own
-- start for a local one): the order that decides, never the time an
-- imported record claims. The error is cut to 2048 characters, as the
-- import bounds it, should an older guard have stored a longer one. Run
-- only when the log is readable and its lock granted at once.
SELECT pg_catalog.json_build_object('rehearsals', (
    SELECT pg_catalog.json_agg(x.rehearsal ORDER BY x.stored_at) FROM (
        SELECT s.stored_at,
               (j.entry OPERATOR(pg_catalog.-) 'error'::pg_catalog.text) OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                   'origin', COALESCE(j.entry OPERATOR(pg_catalog.->>) 'origin', 'local'),
                   'measured_at', pg_catalog.to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                   'stored_at', pg_catalog.to_char(s.stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                   'error', pg_catalog."left"(j.entry OPERATOR(pg_catalog.->>) 'error', 2048),
                   'duration_seconds',
                   EXTRACT(epoch FROM (j.entry OPERATOR(pg_catalog.->>) 'duration')::pg_catalog.interval)::pg_catalog.float8)
                   AS rehearsal
        FROM promscale_upgrade_guard.rehearsal_log r,
             LATERAL (SELECT pg_catalog.to_jsonb(r) AS entry) AS j,
             LATERAL (SELECT COALESCE((j.entry OPERATOR(pg_catalog.->>) 'imported_at')::pg_catalog.timestamptz,
                                      r.measured_at) AS stored_at) AS s
        ORDER BY s.stored_at DESC
        LIMIT 100) x))::pg_catalog.text
