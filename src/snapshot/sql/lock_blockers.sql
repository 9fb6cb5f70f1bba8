-- Who holds or waits for a lock on relation $1 (of this database, or a
-- shared catalog), other than the calling session: "pid 12 holds
-- AccessShareLock, pid 34 waits for AccessExclusiveLock", granted ones
-- first, at most ten. NULL when nobody does. For messages that name the real
-- cause of a lock the guard could not get at once (read.rs, lock_blockers).
SELECT pg_catalog.string_agg(b.said, ', ' ORDER BY b.granted DESC, b.pid)
FROM (
    SELECT l.pid, l.granted,
           pg_catalog.format('pid %s %s %s', l.pid, CASE WHEN l.granted THEN 'holds' ELSE 'waits for' END, l.mode)
               AS said
    FROM pg_catalog.pg_lock_status() l
    WHERE l.locktype OPERATOR(pg_catalog.=) 'relation'
      AND l.relation OPERATOR(pg_catalog.=) $1::pg_catalog.oid
      AND l.database OPERATOR(pg_catalog.=) ANY (ARRAY[0, (SELECT d.oid FROM pg_catalog.pg_database d
                                                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())]::pg_catalog.oid[])
      AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
    ORDER BY l.granted DESC, l.pid
    LIMIT 10
) b
