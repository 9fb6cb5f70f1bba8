-- The backend running a promscale update now, and the connector sessions
-- with their versions. An update in progress is a backend of this database
-- whose statement is CREATE/ALTER EXTENSION promscale and that is running it
-- (active), or, if it holds the connector's advisory lock exclusively (as
-- the connector does while it migrates), whose transaction with that
-- statement is still open (its locks are held until COMMIT). pg_extension
-- itself is not a signal: the update releases its lock on it at once.
-- Catalog and lock views only.
-- $1/$2: the lock key's classid/objid; $3: the connector application_name prefix.
WITH here AS (
    SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
), connector_locks AS MATERIALIZED (
    SELECT l.pid, l.mode, l.granted FROM pg_catalog.pg_locks l, here
    WHERE l.locktype = 'advisory' AND l.database = here.oid
      AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
), running AS (
    SELECT a.pid,
           extract(epoch FROM pg_catalog.clock_timestamp() - coalesce(a.xact_start, a.query_start))::float8 AS seconds,
           CASE WHEN a.wait_event IS NOT NULL THEN a.wait_event_type || ':' || a.wait_event END AS wait_event
    FROM pg_catalog.pg_stat_activity a
    WHERE a.datname = pg_catalog.current_database()
      AND a.pid <> pg_catalog.pg_backend_pid()
      AND a.query ~* '(alter|create)\s+extension\s+(if\s+not\s+exists\s+)?"?promscale"?(\s|;|$)'
      AND (a.state = 'active'
           OR (a.state LIKE 'idle in transaction%'
               AND a.pid IN (SELECT pid FROM connector_locks WHERE mode = 'ExclusiveLock' AND granted)))
    ORDER BY seconds DESC NULLS LAST LIMIT 1
), connectors AS (
    SELECT a.pid, a.application_name, a.backend_start
    FROM pg_catalog.pg_stat_activity a
    WHERE a.datname = pg_catalog.current_database()
      AND a.pid <> pg_catalog.pg_backend_pid()
      AND (a.pid IN (SELECT pid FROM connector_locks WHERE mode = 'ShareLock' AND granted)
           OR a.application_name LIKE $3 || '%')
)
SELECT pg_catalog.json_build_object(
    'running_upgrade', (SELECT pg_catalog.row_to_json(r) FROM running r),
    'connectors_running', (SELECT count(*) FROM connectors c WHERE c.pid IN (SELECT pid FROM connector_locks WHERE mode = 'ShareLock')),
    'connector_versions', coalesce((
        SELECT pg_catalog.json_agg(DISTINCT pg_catalog.substr(c.application_name, pg_catalog.length($3) + 1))
        FROM connectors c WHERE c.application_name LIKE $3 || '%'), '[]'),
    'connector_since', (SELECT extract(epoch FROM min(c.backend_start))::float8 FROM connectors c
                        WHERE c.pid IN (SELECT pid FROM connector_locks WHERE mode = 'ShareLock'))
)::text
