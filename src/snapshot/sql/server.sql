-- The server, the promscale and timescaledb extensions, a pre-0.11 schema,
-- and max_locks_per_transaction. Catalog and control files only: nothing
-- here opens a Promscale table, so it never waits on another session's locks.
WITH avail AS MATERIALIZED (
    SELECT name, version FROM pg_catalog.pg_available_extension_versions
    WHERE name IN ('promscale', 'timescaledb')
), defaults AS MATERIALIZED (
    SELECT name, default_version FROM pg_catalog.pg_available_extensions
    WHERE name IN ('promscale', 'timescaledb')
), ext_state AS (
    SELECT e.name, pg_catalog.json_build_object(
        'installed', (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname = e.name),
        'available', coalesce((SELECT pg_catalog.json_agg(a.version ORDER BY a.version)
                               FROM avail a WHERE a.name = e.name), '[]'),
        'default_version', (SELECT d.default_version FROM defaults d WHERE d.name = e.name)
    ) AS state
    FROM (VALUES ('promscale'), ('timescaledb')) AS e(name)
)
SELECT pg_catalog.json_build_object(
    'server_version_num', pg_catalog.current_setting('server_version_num')::int,
    'in_recovery', pg_catalog.pg_is_in_recovery(),
    'promscale', (SELECT state FROM ext_state WHERE name = 'promscale'),
    'timescaledb', (SELECT state FROM ext_state WHERE name = 'timescaledb'),
    'legacy_schema', (
        SELECT n.nspname FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = 'prom_schema_migrations' AND c.relkind IN ('r', 'p')
        ORDER BY n.nspname <> 'public', n.nspname LIMIT 1),
    'max_locks', (
        SELECT pg_catalog.json_build_object('current', s.setting::bigint, 'pending_restart', s.pending_restart)
        FROM pg_catalog.pg_settings s WHERE s.name = 'max_locks_per_transaction')
)::text
