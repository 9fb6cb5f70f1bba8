-- Sessions of this database that hold (or wait for) the connector's advisory
-- lock in any mode, or are named like a connector. $1/$2 are the lock key's
-- classid/objid as pg_locks shows them, $3 the application_name prefix.
-- The calling session is left out: it is the one asking.
WITH connector_locks AS MATERIALIZED (
    SELECT l.pid, pg_catalog.string_agg(l.mode || CASE WHEN l.granted THEN '' ELSE ' (waiting)' END,
                                        ', ' ORDER BY l.mode) AS lock_mode
    FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'advisory'
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
      AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
    GROUP BY l.pid
)
SELECT pg_catalog.json_build_object('connector_sessions', coalesce(pg_catalog.json_agg(
           pg_catalog.json_build_object(
               'pid', a.pid,
               'application_name', coalesce(a.application_name, ''),
               'client_addr', pg_catalog.host(a.client_addr),
               'usename', a.usename,
               'lock_mode', cl.lock_mode)
           ORDER BY a.pid), '[]'))::text
FROM pg_catalog.pg_stat_activity a
LEFT JOIN connector_locks cl ON cl.pid = a.pid
WHERE a.pid <> pg_catalog.pg_backend_pid()
  AND a.datname = pg_catalog.current_database()
  AND (cl.pid IS NOT NULL OR a.application_name LIKE $3 || '%')
