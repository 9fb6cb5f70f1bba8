-- One row of promscale_upgrade_guard.upgrade_log, written when the update's
-- transaction is about to commit (every name qualified: this runs under the
-- session's own search_path). $1 kind, $2 from_version, $3 to_version,
-- $4 started_at, $5 pid, $6 role_name, $7 application_name, $8 allowed_by,
-- $9 locks_estimated, $10 locks_held, $11 locks_held_fast_path, $12 commands,
-- $13 locks_counted.
INSERT INTO promscale_upgrade_guard.upgrade_log
    (kind, from_version, to_version, started_at, finished_at, duration, pid, role_name,
     application_name, allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands, locks_counted)
SELECT $1, $2, $3, $4, t.now, t.now OPERATOR(pg_catalog.-) $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
FROM (SELECT pg_catalog.clock_timestamp() AS now) t
