-- One row of promscale_upgrade_guard.upgrade_log, written when the update's
-- transaction is about to commit (every name qualified: this runs under the
-- session's own search_path). $1 kind, $2 from_version, $3 started_at,
-- $4 pid, $5 role_name, $6 application_name, $7 allowed_by,
-- $8 locks_estimated, $9 commands. The version at commit and the lock
-- entries this backend holds at the end are read here.
INSERT INTO promscale_upgrade_guard.upgrade_log
    (kind, from_version, to_version, started_at, finished_at, duration, pid, role_name,
     application_name, allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands)
SELECT $1, $2,
       (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'promscale'),
       $3, t.now, t.now OPERATOR(pg_catalog.-) $3, $4, $5, $6, $7, $8, l.held, l.fast_path, $9
FROM (SELECT pg_catalog.clock_timestamp() AS now) t,
     (SELECT pg_catalog.count(DISTINCT k.tag) AS held,
             pg_catalog.count(DISTINCT k.tag) FILTER (WHERE k.fastpath) AS fast_path
      FROM (SELECT ROW(x.locktype, x.database, x.relation, x.page, x.tuple, x.virtualxid,
                       x.transactionid, x.classid, x.objid, x.objsubid)::text AS tag, x.fastpath
            FROM pg_catalog.pg_locks x
            WHERE x.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND x.granted) k) l
