-- The update's transaction just before commit: the promscale version it
-- leaves, and the distinct objects this backend holds locks on (all of
-- them, and those in the fast path), counted as the rehearsal and the lock
-- benchmark count them (without the transaction's own virtualxid and
-- transactionid), leaving out $1, the tags held before the transaction's
-- first allowed command (held_locks.sql): locks the session already held,
-- thousands of advisory locks for instance, are not the upgrade's, and
-- would teach later estimates a footprint the upgrade never had. The
-- guard's own mark (upgrade_mark.rs) is taken before $1 is read. Read
-- before the log row is written, so that the row's own locks are not
-- counted. Runs as the log's owner under a pinned search_path; every name
-- qualified all the same.
SELECT (SELECT e.extversion FROM pg_catalog.pg_extension e
        WHERE e.extname OPERATOR(pg_catalog.=) 'promscale') AS to_version,
       pg_catalog.count(DISTINCT k.tag) AS held,
       pg_catalog.count(DISTINCT k.tag) FILTER (WHERE k.fastpath) AS fast_path
FROM (SELECT ROW(x.locktype, x.database, x.relation, x.page, x.tuple, x.classid, x.objid, x.objsubid)::pg_catalog.text AS tag,
             x.fastpath
      FROM pg_catalog.pg_lock_status() x
      WHERE x.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND x.granted
        AND x.locktype OPERATOR(pg_catalog.<>) ALL (ARRAY['virtualxid', 'transactionid']::pg_catalog.text[])) k
WHERE NOT (k.tag OPERATOR(pg_catalog.=) ANY (COALESCE($1::pg_catalog.text[], '{}')))
