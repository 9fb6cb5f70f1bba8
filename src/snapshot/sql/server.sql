-- The server, the installed promscale and timescaledb versions (what is
-- available on disk is read from the extension directory by
-- extension_files.rs), a pre-0.11 schema, and max_locks_per_transaction.
-- Catalog only: nothing here opens a Promscale table, so it never waits on
-- another session's locks.
SELECT pg_catalog.json_build_object(
    'server_version_num', pg_catalog.current_setting('server_version_num')::int,
    'in_recovery', pg_catalog.pg_is_in_recovery(),
    'promscale', pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname = 'promscale')),
    'timescaledb', pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname = 'timescaledb')),
    'legacy_schema', (
        SELECT n.nspname FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = 'prom_schema_migrations' AND c.relkind IN ('r', 'p')
        ORDER BY n.nspname <> 'public', n.nspname LIMIT 1),
    'max_locks', (
        SELECT pg_catalog.json_build_object('current', s.setting::bigint, 'pending_restart', s.pending_restart)
        FROM pg_catalog.pg_settings s WHERE s.name = 'max_locks_per_transaction')
)::text
