-- The other backends (and prepared transactions, pid 0) holding the most
-- entries of the shared lock table, for fail-fast's warning: who holds
-- what the upgrade needs.
SELECT pg_catalog.json_build_object('lock_holders', COALESCE(pg_catalog.json_agg(h ORDER BY h.locks DESC), '[]'))::pg_catalog.text
FROM (
    SELECT COALESCE(l.pid, 0) AS pid, pg_catalog.pg_get_userbyid(a.usesysid)::pg_catalog.text AS role,
           COALESCE(a.application_name, '') AS application_name, pg_catalog.count(*) AS locks
    FROM pg_catalog.pg_lock_status() l
    LEFT JOIN pg_catalog.pg_stat_get_activity(NULL::pg_catalog.int4) a ON a.pid OPERATOR(pg_catalog.=) l.pid
    WHERE (l.pid IS NULL OR l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()) AND NOT l.fastpath
    GROUP BY l.pid, a.usesysid, a.application_name
    ORDER BY pg_catalog.count(*) DESC
    LIMIT 5
) h
