-- Sessions of this database that hold (or wait for) the connector's advisory
-- lock in any mode, or are named like a connector, and prepared
-- transactions holding it (no pid: they keep it, across restarts, until
-- COMMIT/ROLLBACK PREPARED; pid 0 here, named by their gid). $1/$2 are the
-- lock key's classid/objid as pg_locks shows them, $3 the application_name
-- prefix. The calling session is left out: it is the one asking.
WITH connector_locks AS MATERIALIZED (
    SELECT l.pid, l.virtualtransaction,
           pg_catalog.string_agg(l.mode OPERATOR(pg_catalog.||) CASE WHEN l.granted THEN '' ELSE ' (waiting)' END,
                                 ', ' ORDER BY l.mode) AS lock_mode
    FROM pg_catalog.pg_locks l
    WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
      AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                             WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
      AND l.classid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND l.objid OPERATOR(pg_catalog.=) $2::pg_catalog.oid
      AND l.objsubid OPERATOR(pg_catalog.=) 1
    GROUP BY l.pid, l.virtualtransaction
), found AS (
    SELECT a.pid, COALESCE(a.application_name, '') AS application_name, pg_catalog.host(a.client_addr) AS client_addr,
           a.usename::pg_catalog.text AS usename, cl.lock_mode, NULL::pg_catalog.text AS prepared_transaction
    FROM pg_catalog.pg_stat_activity a
    LEFT JOIN connector_locks cl ON cl.pid OPERATOR(pg_catalog.=) a.pid
    WHERE a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
      AND a.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
      AND (cl.pid IS NOT NULL OR a.application_name OPERATOR(pg_catalog.~~) ($3 OPERATOR(pg_catalog.||) '%'))
    UNION ALL
    SELECT 0, '', NULL, p.owner::pg_catalog.text, cl.lock_mode, p.gid
    FROM connector_locks cl
    -- A prepared transaction keeps its virtual transaction id; its xid is
    -- the transactionid lock it holds under the same one.
    JOIN pg_catalog.pg_locks x
      ON x.virtualtransaction OPERATOR(pg_catalog.=) cl.virtualtransaction
     AND x.locktype OPERATOR(pg_catalog.=) 'transactionid' AND x.pid IS NULL
    JOIN pg_catalog.pg_prepared_xacts p ON p.transaction OPERATOR(pg_catalog.=) x.transactionid
    WHERE cl.pid IS NULL
)
SELECT pg_catalog.json_build_object('connector_sessions', COALESCE(pg_catalog.json_agg(
           pg_catalog.json_build_object(
               'pid', f.pid,
               'application_name', f.application_name,
               'client_addr', f.client_addr,
               'usename', f.usename,
               'lock_mode', f.lock_mode,
               'prepared_transaction', f.prepared_transaction)
           ORDER BY f.pid, f.prepared_transaction), '[]'))::pg_catalog.text
FROM found f
