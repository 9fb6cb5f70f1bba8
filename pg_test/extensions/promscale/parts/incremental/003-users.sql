-- Roles are cluster-wide: create only the missing ones.
IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prom_reader') THEN CREATE ROLE prom_reader; END IF;
IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prom_writer') THEN CREATE ROLE prom_writer; END IF;
IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prom_modifier') THEN CREATE ROLE prom_modifier; END IF;
IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prom_admin') THEN CREATE ROLE prom_admin; END IF;
IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prom_maintenance') THEN CREATE ROLE prom_maintenance; END IF;
GRANT prom_reader TO prom_writer;
GRANT prom_reader TO prom_maintenance;
GRANT prom_writer TO prom_modifier;
GRANT prom_modifier TO prom_admin;
GRANT prom_maintenance TO prom_admin;
