-- insert_log.sql for the upgrade log of version 0.1.0, which has no
-- locks_counted column: the library of a newer version writes it until
-- ALTER EXTENSION promscale_upgrade_guard UPDATE has run. $1..$12 as there.
INSERT INTO promscale_upgrade_guard.upgrade_log
    (kind, from_version, to_version, started_at, finished_at, duration, pid, role_name,
     application_name, allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands)
SELECT $1, $2, $3, $4, t.now, t.now OPERATOR(pg_catalog.-) $4, $5, $6, $7, $8, $9, $10, $11, $12
FROM (SELECT pg_catalog.clock_timestamp() AS now) t
