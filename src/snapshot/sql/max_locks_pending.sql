-- Whether a new max_locks_per_transaction waits in the configuration files
-- for a restart. pg_settings builds a row for every setting, so this is
-- read again only after this backend reloaded its configuration.
SELECT s.pending_restart FROM pg_catalog.pg_show_all_settings() s
WHERE s.name OPERATOR(pg_catalog.=) 'max_locks_per_transaction'
