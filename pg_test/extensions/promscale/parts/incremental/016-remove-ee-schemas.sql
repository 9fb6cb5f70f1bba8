-- connector <= 0.10 registered a remote command creating the (removed)
-- enterprise schemas
DELETE FROM _prom_catalog.remote_commands WHERE key = 'create_schemas';
DROP SCHEMA IF EXISTS prom_ee CASCADE;
