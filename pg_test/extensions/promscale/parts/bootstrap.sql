-- Bootstrap, run first by every install and update script (as in the real
-- extension): a fixed search_path, the migration catalog, the _prom_ext
-- schema (as a recorded migration) and stopping background workers.
SET LOCAL search_path = pg_catalog, pg_temp;

DO $bootstrap$
DECLARE
    _me oid := (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
    _owner oid;
BEGIN
    -- Only the owner of the migration catalog may install or update: a schema
    -- pre-created by another role would be a privilege-escalation path.
    SELECT n.nspowner INTO _owner FROM pg_catalog.pg_namespace n WHERE n.nspname = '_ps_catalog';
    IF _owner IS NULL THEN
        CREATE SCHEMA _ps_catalog;
    ELSIF _owner <> _me THEN
        RAISE EXCEPTION 'Only the owner of the "_ps_catalog" schema can install/upgrade this extension';
    END IF;
    SELECT c.relowner INTO _owner FROM pg_catalog.pg_class c
    WHERE c.oid = pg_catalog.to_regclass('_ps_catalog.migration');
    IF _owner IS NULL THEN
        CREATE TABLE _ps_catalog.migration (
            name text NOT NULL PRIMARY KEY,
            applied_at_version text,
            body text,
            applied_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
        );
    ELSIF _owner <> _me THEN
        RAISE EXCEPTION 'Only the owner of the "_ps_catalog.migration" table can install/upgrade this extension';
    END IF;
END
$bootstrap$;
