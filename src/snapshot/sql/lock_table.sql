-- What the lock table holds now and who else will replay the upgrade's
-- locks: entries other sessions (and prepared transactions) hold in the
-- shared table, one per distinct object (fast-path locks live in each
-- backend, not in the table), and the streaming standbys.
SELECT pg_catalog.json_build_object(
    'locks_in_use', (
        SELECT pg_catalog.count(*) FROM (
            SELECT DISTINCT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid,
                            l.transactionid, l.classid, l.objid, l.objsubid
            FROM pg_catalog.pg_locks l
            -- l.pid IS DISTINCT FROM pg_backend_pid(): prepared transactions
            -- have no pid.
            WHERE (l.pid IS NULL OR l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()) AND NOT l.fastpath) AS held),
    'streaming_standbys', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication r
                           WHERE r.state OPERATOR(pg_catalog.=) 'streaming'),
    'max_connections', pg_catalog.current_setting('max_connections')::pg_catalog.int8,
    'max_prepared_transactions', pg_catalog.current_setting('max_prepared_transactions')::pg_catalog.int8
)::pg_catalog.text
