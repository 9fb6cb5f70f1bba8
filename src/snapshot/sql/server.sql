-- The server, the installed promscale and timescaledb versions (what is
-- available on disk is read from the extension directory by
-- extension_files.rs), a pre-0.11 schema, and max_locks_per_transaction.
-- Catalog only: nothing here opens a Promscale table, so it never waits on
-- another session's locks.
SELECT pg_catalog.json_build_object(
    'server_version_num', pg_catalog.current_setting('server_version_num')::pg_catalog.int4,
    'in_recovery', pg_catalog.pg_is_in_recovery(),
    'promscale', pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'promscale')),
    'timescaledb', pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'timescaledb')),
    'legacy_schema', (
        SELECT n.nspname FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE c.relname OPERATOR(pg_catalog.=) 'prom_schema_migrations'
          AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
          AND c.relpersistence OPERATOR(pg_catalog.<>) 't'  -- any role's to create
        ORDER BY n.nspname OPERATOR(pg_catalog.<>) 'public', n.nspname LIMIT 1),
    'max_locks', (
        SELECT pg_catalog.json_build_object('current', s.setting::pg_catalog.int8, 'pending_restart', s.pending_restart)
        FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'max_locks_per_transaction')
)::pg_catalog.text
