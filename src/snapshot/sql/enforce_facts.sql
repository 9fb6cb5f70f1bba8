-- What the enforcement trigger needs to know about promscale in this
-- database, in one round trip: the installed version and the tables of a pre-0.11 connector schema
-- (prom_schema_migrations, in whatever schema the old connector's
-- search_path put it, but never a temporary one). The control file's default_version is read from disk
-- (extension_files.rs).
SELECT pg_catalog.json_build_object(
    'installed', (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'promscale'),
    'legacy_tables', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.format('%I.%I', n.nspname, c.relname) ORDER BY n.nspname), '[]')
                      FROM pg_catalog.pg_class c
                      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                      WHERE c.relname OPERATOR(pg_catalog.=) 'prom_schema_migrations'
                        AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
                        -- A temporary table is any role's to create: never a connector's schema.
                        AND c.relpersistence OPERATOR(pg_catalog.<>) 't')
)::pg_catalog.text
