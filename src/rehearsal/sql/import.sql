-- Stores an imported rehearsal record ($1, read and checked by
-- rehearsal/record.rs) in the guard's log, flagged ($2) when its catalog was
-- much smaller than this one, unless the log already holds it: the same
-- path, versions and time (a record imported twice, or this database's own
-- rehearsal exported and imported back). imported_at is the clock at the
-- INSERT, not the transaction's start: it orders what decides
-- (rehearsals.sql), so two imports in one transaction keep their order.
-- Returns the record's time and the rows stored (0 or 1). Superuser only,
-- under a pinned search_path.
WITH f AS (
    SELECT (r.j OPERATOR(pg_catalog.->>) 'measured_at')::pg_catalog.timestamptz AS measured_at,
           r.j OPERATOR(pg_catalog.->>) 'path' AS path,
           r.j OPERATOR(pg_catalog.->>) 'from_version' AS from_version,
           r.j OPERATOR(pg_catalog.->>) 'to_version' AS to_version,
           r.j
    FROM (SELECT $1::pg_catalog.jsonb AS j) AS r),
ins AS (
    INSERT INTO promscale_upgrade_guard.rehearsal_log
        (measured_at, path, from_version, to_version, succeeded, locks_estimated, locks_counted, locks_held, role_name,
         duration, error, server_version_num, relations, metrics, guard_version, database_name, origin, imported_at,
         imported_by, from_smaller_catalog)
    SELECT f.measured_at, f.path, f.from_version, f.to_version,
           (f.j OPERATOR(pg_catalog.->>) 'succeeded')::pg_catalog.bool,
           (f.j OPERATOR(pg_catalog.->>) 'locks_estimated')::pg_catalog.int8,
           (f.j OPERATOR(pg_catalog.->>) 'locks_counted')::pg_catalog.int8,
           (f.j OPERATOR(pg_catalog.->>) 'locks_held')::pg_catalog.int8,
           (f.j OPERATOR(pg_catalog.->>) 'role')::pg_catalog.name,
           pg_catalog.make_interval(secs => (f.j OPERATOR(pg_catalog.->>) 'duration_seconds')::pg_catalog.float8),
           f.j OPERATOR(pg_catalog.->>) 'error',
           (f.j OPERATOR(pg_catalog.->>) 'server_version_num')::pg_catalog.int4,
           (f.j OPERATOR(pg_catalog.->>) 'relations')::pg_catalog.int8,
           (f.j OPERATOR(pg_catalog.->>) 'metrics')::pg_catalog.int8,
           f.j OPERATOR(pg_catalog.->>) 'guard_version',
           (f.j OPERATOR(pg_catalog.->>) 'database')::pg_catalog.name,
           'imported', pg_catalog.clock_timestamp(), CURRENT_USER, $2::pg_catalog.bool
    FROM f
    WHERE NOT EXISTS (
        SELECT FROM promscale_upgrade_guard.rehearsal_log l
        WHERE l.measured_at OPERATOR(pg_catalog.=) f.measured_at
          AND l.path OPERATOR(pg_catalog.=) f.path
          AND l.to_version OPERATOR(pg_catalog.=) f.to_version
          AND (l.from_version OPERATOR(pg_catalog.=) f.from_version
               OR (l.from_version IS NULL AND f.from_version IS NULL)))
    RETURNING 1)
SELECT (SELECT f.measured_at FROM f), (SELECT pg_catalog.count(*) FROM ins)
