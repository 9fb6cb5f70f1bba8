-- The backend running a promscale upgrade now, and the connector sessions
-- with their versions. An upgrade in progress is a backend holding the mark
-- the guard's trigger takes when it allows a promscale CREATE or UPDATE
-- (enforce/upgrade_mark.rs: an object lock on the guard's extension with
-- sub-id $4, which no SQL statement can take), for the whole of that
-- transaction, whatever statement it runs meanwhile. Never query text:
-- any role can fake it in a comment, and other spellings hide it.
-- Catalog and lock views only.
-- $1/$2: the lock key's classid/objid; $3: the connector application_name prefix;
-- $4: the mark's objsubid. pg_locks and pg_stat_activity are each read
-- once (every reference to them copies the whole lock table or the
-- backends' status).
WITH here AS (
    SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
), locks AS MATERIALIZED (
    SELECT l.locktype, l.classid, l.objid, l.objsubid, l.pid, l.mode, l.granted FROM pg_catalog.pg_locks l, here
    WHERE l.locktype OPERATOR(pg_catalog.=) ANY (ARRAY['advisory', 'object']::pg_catalog.text[])
      AND l.database OPERATOR(pg_catalog.=) here.oid
), activity AS MATERIALIZED (
    SELECT a.pid, a.datname, a.application_name, a.backend_start, a.xact_start, a.query_start, a.wait_event_type,
           a.wait_event
    FROM pg_catalog.pg_stat_activity a
), connector_locks AS MATERIALIZED (
    SELECT l.pid, l.mode, l.granted FROM locks l
    WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
      AND l.classid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND l.objid OPERATOR(pg_catalog.=) $2::pg_catalog.oid
      AND l.objsubid OPERATOR(pg_catalog.=) 1
), marked AS (
    SELECT l.pid FROM locks l
    WHERE l.locktype OPERATOR(pg_catalog.=) 'object'
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
    SELECT a.pid, a.application_name, a.backend_start
    FROM activity a
    WHERE a.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
      AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
      AND (a.pid OPERATOR(pg_catalog.=) ANY (SELECT pid FROM connector_locks
                                             WHERE mode OPERATOR(pg_catalog.=) 'ShareLock' AND granted)
           OR a.application_name OPERATOR(pg_catalog.~~) ($3 OPERATOR(pg_catalog.||) '%'))
)
SELECT pg_catalog.json_build_object(
    'running_upgrade', (SELECT pg_catalog.row_to_json(r) FROM running r),
    'connectors_running', (SELECT pg_catalog.count(*) FROM connectors c
                           WHERE c.pid OPERATOR(pg_catalog.=) ANY (SELECT pid FROM connector_locks
                                                                   WHERE mode OPERATOR(pg_catalog.=) 'ShareLock')),
    'connector_versions', coalesce((
        SELECT pg_catalog.json_agg(DISTINCT pg_catalog.substr(c.application_name,
                                                              pg_catalog.length($3) OPERATOR(pg_catalog.+) 1))
        FROM connectors c WHERE c.application_name OPERATOR(pg_catalog.~~) ($3 OPERATOR(pg_catalog.||) '%')), '[]'),
    'connector_since', (SELECT extract(epoch FROM pg_catalog.min(c.backend_start))::pg_catalog.float8 FROM connectors c
                        WHERE c.pid OPERATOR(pg_catalog.=) ANY (SELECT pid FROM connector_locks
                                                                WHERE mode OPERATOR(pg_catalog.=) 'ShareLock'))
)::pg_catalog.text
