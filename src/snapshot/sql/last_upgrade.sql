-- The newest update in the guard's upgrade log (rehearsals are rolled back
-- and never logged). Run only when the log exists and its lock is granted.
SELECT pg_catalog.json_build_object('last_upgrade', (
    SELECT pg_catalog.json_build_object(
        'from_version', l.from_version, 'to_version', l.to_version,
        'finished_at', extract(epoch FROM l.finished_at)::pg_catalog.float8,
        'duration_seconds', extract(epoch FROM l.duration)::pg_catalog.float8)
    FROM promscale_upgrade_guard.upgrade_log l
    WHERE l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['update', 'takeover']::pg_catalog.text[])
    ORDER BY l.finished_at DESC LIMIT 1))::pg_catalog.text
