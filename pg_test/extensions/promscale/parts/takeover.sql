-- Version 0.0.0: the takeover of a database that connector <= 0.10 built
-- without the extension. The connector (0.11+) runs, after dropping any old
-- (< 0.5.0) extension:
--     CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0';
--     ALTER EXTENSION promscale UPDATE TO '<target>';
-- This script adopts the connector's fixed objects into the extension, hands
-- the per-metric objects to prom_admin and records migrations 001..014 as
-- applied; the update script (the full script of <target>) then applies
-- 015.. and the idempotent part.
-- A pre-0.11 database is recognised by its prom_schema_migrations table (in
-- whatever schema the connector's search_path put it). STAND-IN DIFFERENCE:
-- the real 0.0.0 raises an error when that table is missing; the stand-in does
-- nothing, so that CREATE 0.0.0 + UPDATE also works on an empty database.
SET LOCAL search_path = pg_catalog, pg_temp;

DO $takeover$
DECLARE
    _schema name;
    _rec record;
    _filter text;
    _errors text[];
    _me oid := (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
    _prom_admin oid := (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = 'prom_admin');
    _may_skip_check boolean;
BEGIN
    SELECT t.schemaname INTO _schema FROM pg_catalog.pg_tables t
    WHERE t.tablename = 'prom_schema_migrations' ORDER BY t.schemaname LIMIT 1;
    IF _schema IS NULL THEN
        RAISE NOTICE 'promscale 0.0.0 (stand-in): no prom_schema_migrations table, nothing to take over';
        RETURN;
    END IF;

    -- stop the TimescaleDB scheduler (see the bootstrap of the update scripts)
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM _timescaledb_internal.restart_background_workers();
    END IF;

    EXECUTE format('DROP TABLE %I.prom_schema_migrations', _schema);

    REVOKE EXECUTE ON FUNCTION ps_trace.delete_all_traces() FROM prom_writer;
    REVOKE EXECUTE ON PROCEDURE prom_api.add_prom_node(text, boolean) FROM prom_writer;

    -- matcher operators of connector 0.10 that the extension defines elsewhere
    DROP OPERATOR IF EXISTS prom_api.!== (prom_api.label_key, prom_api.pattern);
    DROP OPERATOR IF EXISTS prom_api.!=~ (prom_api.label_key, prom_api.pattern);
    DROP OPERATOR IF EXISTS prom_api.== (prom_api.label_key, prom_api.pattern);
    DROP OPERATOR IF EXISTS prom_api.==~ (prom_api.label_key, prom_api.pattern);

    -- Adopt the fixed objects of the 0.10 schema (a fixed list, as in the real
    -- script; objects the list does not name stay outside the extension).
    FOR _rec IN
        SELECT * FROM (VALUES
@TAKEOVER_OBJECTS@
        ) AS x(kind, ident)
    LOOP
        EXECUTE format('ALTER EXTENSION promscale ADD %s %s', _rec.kind, _rec.ident);
        EXECUTE format('ALTER %s %s OWNER TO %I', _rec.kind, _rec.ident, current_user);
        IF _rec.kind IN ('TABLE', 'SEQUENCE') AND _rec.ident <> '_ps_catalog.promscale_instance_information' THEN
            _filter := CASE _rec.ident
                WHEN '_prom_catalog.remote_commands' THEN 'where seq >= 1000'
                WHEN '_ps_trace.tag_key' THEN 'where id >= 1000'
                ELSE '' END;
            PERFORM pg_catalog.pg_extension_config_dump(_rec.ident::regclass, _filter);
        END IF;
    END LOOP;

    -- the 64 hash partitions of the 0.10 tag table
    FOR _i IN 1..64 LOOP
        EXECUTE format('ALTER EXTENSION promscale ADD TABLE _ps_trace.tag_%s', _i);
        EXECUTE format('ALTER TABLE _ps_trace.tag_%s OWNER TO %I', _i, current_user);
        PERFORM pg_catalog.pg_extension_config_dump(format('_ps_trace.tag_%s', _i)::regclass, '');
    END LOOP;

    -- Per-metric objects stay outside the extension, owned by prom_admin.
    -- OWNER TO also locks each table's indexes and toast table, and the
    -- TimescaleDB (stand-in) hook passes the new owner on to every chunk.
    FOR _rec IN
        SELECT m.table_schema, m.table_name, m.series_table FROM _prom_catalog.metric m
        WHERE m.table_schema = 'prom_data' ORDER BY m.table_schema, m.table_name
    LOOP
        EXECUTE format('ALTER TABLE IF EXISTS %I.%I OWNER TO prom_admin', _rec.table_schema, _rec.table_name);
        EXECUTE format('ALTER TABLE IF EXISTS prom_data_series.%I OWNER TO prom_admin', _rec.series_table);
        EXECUTE format('ALTER VIEW IF EXISTS prom_series.%I OWNER TO prom_admin', _rec.series_table);
        EXECUTE format('ALTER VIEW IF EXISTS prom_metric.%I OWNER TO prom_admin', _rec.table_name);
    END LOOP;
    FOR _rec IN SELECT e.table_name FROM _prom_catalog.exemplar e ORDER BY e.table_name LOOP
        EXECUTE format('ALTER TABLE IF EXISTS prom_data_exemplar.%I OWNER TO prom_admin', _rec.table_name);
    END LOOP;

    -- The migration catalog, with what connector 0.10 already built.
    CREATE TABLE _ps_catalog.migration (
        name text NOT NULL PRIMARY KEY,
        applied_at_version text,
        body text,
        applied_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
    );
    PERFORM pg_catalog.pg_extension_config_dump('_ps_catalog.migration', '');
    INSERT INTO _ps_catalog.migration (name, applied_at_version) VALUES
        ('001-create-ext-schema.sql', '0.0.0'), ('001-extension.sql', '0.0.0'),
        ('002-utils.sql', '0.0.0'), ('003-users.sql', '0.0.0'), ('004-schemas.sql', '0.0.0'),
        ('005-tag-operators.sql', '0.0.0'), ('006-tables.sql', '0.0.0'),
        ('007-matcher-operators.sql', '0.0.0'), ('008-install-uda.sql', '0.0.0'),
        ('009-tables-ha.sql', '0.0.0'), ('010-tables-metadata.sql', '0.0.0'),
        ('011-tables-exemplar.sql', '0.0.0'), ('012-tracing.sql', '0.0.0'),
        ('013-tracing-well-known-tags.sql', '0.0.0'), ('014-telemetry.sql', '0.0.0');

    EXECUTE format('GRANT prom_reader, prom_writer, prom_maintenance, prom_modifier, prom_admin TO %I WITH ADMIN OPTION', session_user);

    -- Security check (simplified from the real one, which walks pg_depend from
    -- every extension member): every relation, type, routine and operator in
    -- the Promscale schemas must be owned by the installing role, or (relations
    -- and types only) by prom_admin. Other owners mean someone could plant
    -- code that the extension would run. A superuser or the database owner can
    -- skip it with SET promscale.disable_security_check = on (added in 0.7.0).
    SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user)
        OR (SELECT d.datdba = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user)
            FROM pg_catalog.pg_database d WHERE d.datname = current_database())
    INTO _may_skip_check;
    IF NOT (_may_skip_check AND coalesce(current_setting('promscale.disable_security_check', true)::boolean, false)) THEN
        SELECT array_agg(format('%s %s is owned by %s', kind, ident, owner::regrole) ORDER BY kind, ident) INTO _errors
        FROM (
            SELECT 'relation' AS kind, c.oid::regclass::text AS ident, c.relowner AS owner, true AS may_be_admin
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
                                'prom_data_exemplar', 'prom_data_series', 'prom_info', 'prom_metric', 'prom_series',
                                'ps_tag', 'ps_trace')
              AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
            UNION ALL
            SELECT 'type', t.oid::regtype::text, t.typowner, true
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_info', 'ps_tag', 'ps_trace')
              AND t.typtype IN ('b', 'd', 'e', 'r')
            UNION ALL
            SELECT 'routine', p.oid::regprocedure::text, p.proowner, false
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
                                'prom_data_exemplar', 'prom_data_series', 'prom_info', 'prom_metric', 'prom_series',
                                'ps_tag', 'ps_trace')
            UNION ALL
            SELECT 'operator', o.oid::regoperator::text, o.oprowner, false
            FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
            WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_info', 'ps_tag', 'ps_trace')
        ) o
        WHERE NOT (o.owner = _me OR (o.may_be_admin AND o.owner = _prom_admin));
        IF array_length(_errors, 1) > 0 THEN
            RAISE EXCEPTION 'could not secure the promscale installation: %', array_to_string(_errors, ', ')
                USING HINT = 'Superusers and the database owner can skip this check with SET promscale.disable_security_check = on.';
        END IF;
    END IF;
END
$takeover$;
