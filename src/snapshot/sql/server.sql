-- The server, the installed promscale and timescaledb versions (what is
-- available on disk is read from the extension directory by
-- extension_files.rs), a pre-0.11 schema, max_locks_per_transaction (whether
-- a new value waits for a restart is read from pg_settings only after a
-- configuration reload: max_locks_pending.sql), and the database's insert
-- counter (every sample a connector ingests is an insert).
-- Catalog only: nothing here opens a Promscale table, so it never waits on
-- another session's locks.
SELECT pg_catalog.json_build_object(
    'server_version_num', pg_catalog.current_setting('server_version_num')::pg_catalog.int4,
    'in_recovery', pg_catalog.pg_is_in_recovery(),
    'promscale', (SELECT pg_catalog.json_build_object('installed', x.extversion, 'oid', x.oid::pg_catalog.int8)
                  FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'promscale'),
    'timescaledb', pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'timescaledb')),
    'legacy_schema', (
        SELECT n.nspname FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE c.relname OPERATOR(pg_catalog.=) 'prom_schema_migrations'
          AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
          AND c.relpersistence OPERATOR(pg_catalog.<>) 't'  -- any role's to create
        ORDER BY n.nspname OPERATOR(pg_catalog.<>) 'public', n.nspname LIMIT 1),
    'max_locks_per_transaction', pg_catalog.current_setting('max_locks_per_transaction')::pg_catalog.int8,
    'database_rows_inserted', pg_catalog.pg_stat_get_db_tuples_inserted(
        (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()))
)::pg_catalog.text
