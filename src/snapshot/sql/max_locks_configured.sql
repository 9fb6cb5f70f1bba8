-- The value of max_locks_per_transaction waiting in the configuration files.
-- The last entry wins, even one marked "setting could not be applied" (that
-- is what a change waiting for a restart looks like). pg_file_settings is
-- readable by superusers only; the caller checks first.
SELECT pg_catalog.json_build_object('configured', (
    SELECT f.setting FROM pg_catalog.pg_show_all_file_settings() f
    WHERE f.name OPERATOR(pg_catalog.=) 'max_locks_per_transaction'
    ORDER BY f.seqno DESC LIMIT 1))::pg_catalog.text
