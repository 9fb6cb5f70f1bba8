-- The Promscale upgrade running now, for promscale_upgrade_progress(): the
-- backend of this database that holds the guard's upgrade mark (an object
-- lock on the guard's extension with sub-id $1, enforce/upgrade_mark.rs),
-- the lock entries it holds, the estimate it published (sub-id $2, the
-- estimate in objid) and the duration a rehearsal expects (sub-id $3, in
-- milliseconds), what it waits on and who blocks it, and how full the
-- shared lock table is. Lock and activity views only: it never waits on the
-- upgrade's locks (naming a relation by regclass reads the catalog cache,
-- takes no lock). NULL when no upgrade runs. Queries of other roles are
-- shown only to roles that may see them (pg_read_all_stats).
WITH here AS (
    SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
), locks AS MATERIALIZED (
    SELECT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid, l.transactionid, l.classid, l.objid,
           l.objsubid, l.pid, l.mode, l.granted, l.fastpath
    FROM pg_catalog.pg_lock_status() l
), marked AS (
    SELECT l.pid FROM locks l, here
    WHERE l.locktype OPERATOR(pg_catalog.=) 'object' AND l.database OPERATOR(pg_catalog.=) here.oid
      AND l.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND l.objid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                          WHERE e.extname OPERATOR(pg_catalog.=) 'promscale_upgrade_guard')
      AND l.objsubid OPERATOR(pg_catalog.=) $1::pg_catalog.int4 AND l.granted
      AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
    ORDER BY l.pid LIMIT 1
), upgrade AS (
    SELECT a.pid, pg_catalog.pg_get_userbyid(a.usesysid)::pg_catalog.text AS role_name, COALESCE(a.application_name, '') AS application_name,
           pg_catalog.host(a.client_addr) AS client_addr, pg_catalog."left"(a.query, 200) AS command,
           EXTRACT(epoch FROM a.xact_start)::pg_catalog.float8 AS started_at,
           COALESCE(EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) a.xact_start)::pg_catalog.float8, 0)
               AS elapsed_seconds,
           COALESCE(EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) a.query_start)::pg_catalog.float8, 0)
               AS statement_seconds,
           pg_catalog.pg_blocking_pids(a.pid) AS blocked_by
    FROM pg_catalog.pg_stat_get_activity(NULL::pg_catalog.int4) a JOIN marked m ON m.pid OPERATOR(pg_catalog.=) a.pid
), held AS (
    SELECT pg_catalog.count(DISTINCT ROW(l.locktype, l.database, l.relation, l.page, l.tuple, l.classid, l.objid,
                                         l.objsubid)::pg_catalog.text) AS locks_held,
           pg_catalog.count(DISTINCT ROW(l.locktype, l.database, l.relation, l.page, l.tuple, l.classid, l.objid,
                                         l.objsubid)::pg_catalog.text) FILTER (WHERE NOT l.fastpath) AS locks_held_shared
    FROM locks l JOIN upgrade u ON l.pid OPERATOR(pg_catalog.=) u.pid
    WHERE l.granted AND l.locktype OPERATOR(pg_catalog.<>) ALL (ARRAY['virtualxid', 'transactionid']::pg_catalog.text[])
), estimate AS (
    SELECT pg_catalog.max(l.objid::pg_catalog.int8) FILTER (WHERE l.objsubid OPERATOR(pg_catalog.=) $2::pg_catalog.int4)
               AS locks_estimated,
           pg_catalog.max(l.objid::pg_catalog.int8) FILTER (WHERE l.objsubid OPERATOR(pg_catalog.=) $3::pg_catalog.int4)
               AS expected_ms
    FROM locks l JOIN upgrade u ON l.pid OPERATOR(pg_catalog.=) u.pid
    WHERE l.locktype OPERATOR(pg_catalog.=) 'object'
      AND l.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND l.objsubid OPERATOR(pg_catalog.=) ANY (ARRAY[$2, $3]::pg_catalog.int4[]) AND l.granted
), waited AS (
    SELECT l.* FROM locks l JOIN upgrade u ON l.pid OPERATOR(pg_catalog.=) u.pid WHERE NOT l.granted LIMIT 1
), waiting AS (
    SELECT w.locktype OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) w.mode OPERATOR(pg_catalog.||)
           CASE WHEN w.relation IS NOT NULL
                THEN ' on ' OPERATOR(pg_catalog.||) w.relation::pg_catalog.regclass::pg_catalog.text
                WHEN w.transactionid IS NOT NULL
                THEN ' on transaction ' OPERATOR(pg_catalog.||) w.transactionid::pg_catalog.text
                ELSE '' END AS waiting_on
    FROM waited w
), blockers AS (
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
               'pid', b.pid, 'role', pg_catalog.pg_get_userbyid(b.usesysid), 'application_name', b.application_name, 'state', b.state,
               'transaction_seconds',
               EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) b.xact_start)::pg_catalog.float8,
               'lock', (SELECT pg_catalog.string_agg(h.mode, ', ' ORDER BY h.mode) FROM locks h, waited w
                        WHERE h.pid OPERATOR(pg_catalog.=) b.pid AND h.granted
                          -- The same object: the same lock tag.
                          AND ROW(h.locktype, h.database, h.relation, h.page, h.tuple, h.transactionid, h.classid,
                                  h.objid, h.objsubid)::pg_catalog.text
                              OPERATOR(pg_catalog.=)
                              ROW(w.locktype, w.database, w.relation, w.page, w.tuple, w.transactionid, w.classid,
                                  w.objid, w.objsubid)::pg_catalog.text),
               'query', pg_catalog."left"(b.query, 200)) ORDER BY b.pid), '[]') AS blockers
    FROM pg_catalog.pg_stat_get_activity(NULL::pg_catalog.int4) b, upgrade u
    WHERE b.pid OPERATOR(pg_catalog.=) ANY (u.blocked_by)
), table_use AS (
    SELECT pg_catalog.count(*) AS lock_table_used FROM (
        SELECT DISTINCT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid, l.transactionid,
                        l.classid, l.objid, l.objsubid
        FROM locks l WHERE NOT l.fastpath) t
)
SELECT (SELECT pg_catalog.row_to_json(r) FROM (
    SELECT u.pid, u.role_name, u.application_name, u.client_addr, u.command, u.started_at, u.elapsed_seconds,
           u.statement_seconds,
           h.locks_held, h.locks_held_shared, e.locks_estimated,
           e.expected_ms::pg_catalog.float8 OPERATOR(pg_catalog./) 1000 AS expected_seconds, (SELECT w.waiting_on FROM waiting w) AS waiting_on,
           u.blocked_by, (SELECT b.blockers FROM blockers b) AS blockers, t.lock_table_used,
           pg_catalog.current_setting('max_prepared_transactions')::pg_catalog.int8 AS max_prepared_transactions
    FROM upgrade u, held h, estimate e, table_use t) r)::pg_catalog.text
