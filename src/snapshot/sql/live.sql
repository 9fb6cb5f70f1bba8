-- What is happening now, in one read of pg_locks and one of
-- pg_stat_activity (each reference to them copies the whole lock table or
-- every backend's status, which was most of what a call cost on a small
-- database):
-- - the lock table: entries other sessions (and prepared transactions)
--   hold in the shared table, one per distinct object (fast-path locks live
--   in each backend, not in the table), and the streaming standbys that
--   will replay the upgrade's locks;
-- - the connector sessions: sessions of this database that hold (or wait
--   for) the connector's advisory lock in any mode, or are named like a
--   connector, and prepared transactions holding it (no pid: they keep it,
--   across restarts, until COMMIT/ROLLBACK PREPARED; pid 0 here, named by
--   their gid), each with its entries on the key (mode, granted): only a
--   granted entry makes a connector (snapshot::Standing), since any role
--   can wait for the key or take the name. The calling session is left
--   out: it is the one asking;
-- - the backend running a promscale upgrade now: one holding the mark the
--   guard's trigger takes when it allows a promscale CREATE or UPDATE
--   (enforce/upgrade_mark.rs: an object lock on the guard's extension with
--   sub-id $4, which no SQL statement can take), for the whole of that
--   transaction, whatever statement it runs meanwhile. Never query text:
--   any role can fake it in a comment, and other spellings hide it;
-- - the running connectors (holding the connector's lock in share mode,
--   granted) and their versions, from those sessions' names only.
-- pg_locks, pg_stat_activity and pg_prepared_xacts are read through the
-- functions behind those views (pg_lock_status(), pg_stat_get_activity(),
-- pg_prepared_xact()): a view is a relation, and any role can queue a lock
-- on it (LOCK TABLE, then CREATE RULE, which waits for its lock before it
-- checks ownership) that every later reader waits behind, the connector's
-- update in the trigger among them; a function takes no lock. The other
-- queries that run in the trigger or at commit do the same.
-- $1/$2: the connector lock key's classid/objid as pg_locks shows them;
-- $3: the connector application_name prefix; $4: the mark's objsubid.
-- Catalog and lock views only.
WITH here AS (
    SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
), locks AS MATERIALIZED (
    SELECT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid, l.transactionid, l.classid, l.objid,
           l.objsubid, l.virtualtransaction, l.pid, l.mode, l.granted, l.fastpath
    FROM pg_catalog.pg_lock_status() l
), activity AS MATERIALIZED (
    SELECT a.pid, d.datname, pg_catalog.pg_get_userbyid(a.usesysid) AS usename, a.application_name, a.client_addr,
           a.backend_start, a.xact_start, a.query_start, a.wait_event_type, a.wait_event
    FROM pg_catalog.pg_stat_get_activity(NULL::pg_catalog.int4) a
    LEFT JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) a.datid
), connector_lock_rows AS MATERIALIZED (
    SELECT l.pid, l.virtualtransaction, l.mode, l.granted FROM locks l, here
    WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.database OPERATOR(pg_catalog.=) here.oid
      AND l.classid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND l.objid OPERATOR(pg_catalog.=) $2::pg_catalog.oid
      AND l.objsubid OPERATOR(pg_catalog.=) 1
), connector_locks AS MATERIALIZED (
    SELECT r.pid, r.virtualtransaction,
           pg_catalog.json_agg(pg_catalog.json_build_object('mode', r.mode, 'granted', r.granted)
                               ORDER BY r.granted DESC, r.mode) AS locks
    FROM connector_lock_rows r
    GROUP BY r.pid, r.virtualtransaction
), found AS (
    SELECT a.pid, COALESCE(a.application_name, '') AS application_name, pg_catalog.host(a.client_addr) AS client_addr,
           a.usename::pg_catalog.text AS usename, cl.locks, NULL::pg_catalog.text AS prepared_transaction
    FROM activity a
    LEFT JOIN connector_locks cl ON cl.pid OPERATOR(pg_catalog.=) a.pid
    WHERE a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
      AND a.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
      AND (cl.pid IS NOT NULL OR a.application_name OPERATOR(pg_catalog.~~) ($3 OPERATOR(pg_catalog.||) '%'))
    UNION ALL
    SELECT 0, '', NULL, pg_catalog.pg_get_userbyid(p.ownerid)::pg_catalog.text, cl.locks, p.gid
    FROM connector_locks cl
    -- A prepared transaction keeps its virtual transaction id; its xid is
    -- the transactionid lock it holds under the same one.
    JOIN locks x
      ON x.virtualtransaction OPERATOR(pg_catalog.=) cl.virtualtransaction
     AND x.locktype OPERATOR(pg_catalog.=) 'transactionid' AND x.pid IS NULL
    JOIN pg_catalog.pg_prepared_xact() p ON p.transaction OPERATOR(pg_catalog.=) x.transactionid
    WHERE cl.pid IS NULL
), marked AS (
    SELECT l.pid FROM locks l, here
    WHERE l.locktype OPERATOR(pg_catalog.=) 'object' AND l.database OPERATOR(pg_catalog.=) here.oid
      AND l.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND l.objid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                          WHERE e.extname OPERATOR(pg_catalog.=) 'promscale_upgrade_guard')
      AND l.objsubid OPERATOR(pg_catalog.=) $4::pg_catalog.int4 AND l.granted
), running AS (
    SELECT a.pid,
           EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) COALESCE(a.xact_start, a.query_start))
               ::pg_catalog.float8 AS seconds,
           CASE WHEN a.wait_event IS NOT NULL
                THEN a.wait_event_type OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) a.wait_event END AS wait_event
    FROM activity a
    WHERE a.pid OPERATOR(pg_catalog.=) ANY (SELECT m.pid FROM marked m)
      AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
    ORDER BY seconds DESC NULLS LAST LIMIT 1
), connectors AS (
    -- Running connectors: the key held in share mode, granted. A session
    -- that only waits for it, or only carries the name, is not one.
    SELECT a.pid, a.application_name, a.backend_start
    FROM activity a
    WHERE a.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
      AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
      AND a.pid OPERATOR(pg_catalog.=) ANY (SELECT r.pid FROM connector_lock_rows r
                                            WHERE r.mode OPERATOR(pg_catalog.=) 'ShareLock' AND r.granted)
)
SELECT pg_catalog.json_build_object(
    'locks_in_use', (
        SELECT pg_catalog.count(*) FROM (
            SELECT DISTINCT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid,
                            l.transactionid, l.classid, l.objid, l.objsubid
            FROM locks l
            -- l.pid IS DISTINCT FROM pg_backend_pid(): prepared transactions
            -- have no pid.
            WHERE (l.pid IS NULL OR l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()) AND NOT l.fastpath) AS held),
    -- pg_stat_replication's source, without the view's join to every
    -- backend's status.
    'streaming_standbys', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_get_wal_senders() r
                           WHERE r.state OPERATOR(pg_catalog.=) 'streaming'),
    'max_connections', pg_catalog.current_setting('max_connections')::pg_catalog.int8,
    'max_prepared_transactions', pg_catalog.current_setting('max_prepared_transactions')::pg_catalog.int8,
    'connector_sessions', (SELECT COALESCE(pg_catalog.json_agg(
           pg_catalog.json_build_object(
               'pid', f.pid,
               'application_name', f.application_name,
               'client_addr', f.client_addr,
               'usename', f.usename,
               'locks', COALESCE(f.locks, '[]'::pg_catalog.json),
               'prepared_transaction', f.prepared_transaction)
           ORDER BY f.pid, f.prepared_transaction), '[]') FROM found f),
    'running_upgrade', (SELECT pg_catalog.row_to_json(r) FROM running r),
    'connectors_running', (SELECT pg_catalog.count(*) FROM connectors c),
    'connector_versions', coalesce((
        SELECT pg_catalog.json_agg(DISTINCT pg_catalog.substr(c.application_name,
                                                              pg_catalog.length($3) OPERATOR(pg_catalog.+) 1))
        FROM connectors c WHERE c.application_name OPERATOR(pg_catalog.~~) ($3 OPERATOR(pg_catalog.||) '%')), '[]'),
    'connector_since', (SELECT extract(epoch FROM pg_catalog.min(c.backend_start))::pg_catalog.float8 FROM connectors c)
)::pg_catalog.text
