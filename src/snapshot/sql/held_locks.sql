-- The lock tags this backend holds now (granted, without its own
-- virtualxid and transactionid), as end_state.sql writes them: taken before
-- an upgrade's first command, so that what the session held already is not
-- counted as the upgrade's. A JSON array of text.
SELECT pg_catalog.to_json(COALESCE(pg_catalog.array_agg(DISTINCT ROW(x.locktype, x.database, x.relation, x.page,
                                                                     x.tuple, x.classid, x.objid, x.objsubid)::pg_catalog.text),
                                   '{}'::pg_catalog.text[]))::pg_catalog.text
FROM pg_catalog.pg_lock_status() x
WHERE x.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND x.granted
  AND x.locktype OPERATOR(pg_catalog.<>) ALL (ARRAY['virtualxid', 'transactionid']::pg_catalog.text[])
