-- The update's transaction just before commit: the promscale version it
-- leaves, and the distinct objects this backend holds locks on (all of
-- them, and those in the fast path), counted as the rehearsal and the lock
-- benchmark count them (without the transaction's own virtualxid and
-- transactionid). Read before the log row is written, so that the row's own
-- locks are not counted. Every name qualified: this runs under the
-- session's search_path.
SELECT (SELECT e.extversion FROM pg_catalog.pg_extension e
        WHERE e.extname OPERATOR(pg_catalog.=) 'promscale') AS to_version,
       pg_catalog.count(DISTINCT k.tag) AS held,
       pg_catalog.count(DISTINCT k.tag) FILTER (WHERE k.fastpath) AS fast_path
FROM (SELECT ROW(x.locktype, x.database, x.relation, x.page, x.tuple, x.classid, x.objid, x.objsubid)::text AS tag,
             x.fastpath
      FROM pg_catalog.pg_locks x
      WHERE x.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND x.granted
        AND x.locktype OPERATOR(pg_catalog.<>) ALL (ARRAY['virtualxid', 'transactionid'])) k
