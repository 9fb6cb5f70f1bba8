-- Enforcement of the connector path, one session: the messages a user sees
-- for a manual ALTER EXTENSION promscale UPDATE, what passes untouched, the
-- break-glass setting, and the upgrade log. (Concurrent sessions, the
-- connector emulator and the bypass matrix: tests/integration/enforce.rs.)
\set VERBOSITY default
CREATE EXTENSION promscale_upgrade_guard;
-- The trigger: ddl_command_start, only the two extension tags, ENABLE ALWAYS.
SELECT evtname, evtevent, evtenabled, evttags, evtfoid::regprocedure AS function
FROM pg_event_trigger;
-- The settings exist once the library is loaded; the enforcement ones are
-- superuser-only.
SELECT name, setting, context, vartype FROM pg_settings
WHERE name LIKE 'promscale_upgrade_guard.%' ORDER BY name;
CREATE EXTENSION timescaledb VERSION '2.6.1';
-- A fresh install needs no permission (nothing to protect); it is logged.
CREATE EXTENSION promscale VERSION '0.6.0';
-- A manual update: refused, SQLSTATE 55000, versions, why and what to do.
ALTER EXTENSION promscale UPDATE TO '0.7.0';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Without TO: the default version is named; upper case is the same name.
ALTER EXTENSION PROMSCALE UPDATE;
-- As pg_upgrade's update_extensions.sql writes it.
ALTER EXTENSION "promscale" UPDATE;
-- A transaction-level advisory lock is not the connector's session lock.
BEGIN;
SELECT pg_advisory_xact_lock(5585198506344173278);
ALTER EXTENSION promscale UPDATE TO '0.7.0';
ROLLBACK;
-- Nor is the shared lock every running connector holds.
SELECT pg_advisory_lock_shared(5585198506344173278);
ALTER EXTENSION promscale UPDATE TO '0.7.0';
SELECT pg_advisory_unlock_shared(5585198506344173278);
-- Untouched: no-op updates, other extensions, ADD/DROP members, SET SCHEMA.
ALTER EXTENSION promscale UPDATE TO '0.6.0';
ALTER EXTENSION timescaledb UPDATE TO '2.9.3';
CREATE FUNCTION public.guard_member() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER EXTENSION promscale ADD FUNCTION public.guard_member();
ALTER EXTENSION promscale DROP FUNCTION public.guard_member();
DROP FUNCTION public.guard_member();
ALTER EXTENSION promscale SET SCHEMA pg_catalog;
CREATE EXTENSION IF NOT EXISTS promscale;
SELECT extversion FROM pg_extension WHERE extname = 'promscale';
-- The connector's way: its migration lock, at session level.
SELECT pg_advisory_lock(5585198506344173278);
ALTER EXTENSION promscale UPDATE TO '0.7.0';
SELECT pg_advisory_unlock(5585198506344173278);
-- Break-glass: a superuser may, with a WARNING (also in the server log).
SET promscale_upgrade_guard.allow_manual_update = on;
ALTER EXTENSION promscale UPDATE TO '0.8.0';
RESET promscale_upgrade_guard.allow_manual_update;
-- Only a superuser can set it; a non-superuser cannot touch the trigger.
CREATE ROLE guard_regress_user;
SET ROLE guard_regress_user;
SET promscale_upgrade_guard.allow_manual_update = on;
ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path DISABLE;
DROP EVENT TRIGGER promscale_upgrade_guard_connector_path;
DROP EXTENSION promscale_upgrade_guard;
SELECT count(*) FROM promscale_upgrade_guard.upgrade_log;
RESET ROLE;
DROP ROLE guard_regress_user;
-- The log: one row per allowed transaction.
SELECT kind, from_version, to_version, allowed_by, role_name, application_name,
       locks_estimated IS NOT NULL AS estimated, locks_held > 0 AS held_locks, duration = finished_at - started_at AS duration_ok, commands
FROM promscale_upgrade_guard.upgrade_log ORDER BY started_at;
-- Every object of the enforcement has a comment; the log is for pg_monitor.
SELECT 'schema' AS kind, obj_description('promscale_upgrade_guard'::regnamespace, 'pg_namespace') IS NOT NULL AS has_comment
UNION ALL SELECT 'table', obj_description('promscale_upgrade_guard.upgrade_log'::regclass, 'pg_class') IS NOT NULL
UNION ALL SELECT 'columns without comment: ' || count(*), count(*) = 0
  FROM pg_attribute a WHERE a.attrelid = 'promscale_upgrade_guard.upgrade_log'::regclass AND a.attnum > 0
   AND col_description(a.attrelid, a.attnum) IS NULL
UNION ALL SELECT 'event trigger', obj_description(e.oid, 'pg_event_trigger') IS NOT NULL
  FROM pg_event_trigger e WHERE e.evtname = 'promscale_upgrade_guard_connector_path'
UNION ALL SELECT 'trigger function', obj_description('promscale_upgrade_guard.enforce_connector_path()'::regprocedure, 'pg_proc') IS NOT NULL;
SELECT has_schema_privilege('pg_monitor', 'promscale_upgrade_guard', 'USAGE') AS monitor_usage,
       has_table_privilege('pg_monitor', 'promscale_upgrade_guard.upgrade_log', 'SELECT') AS monitor_select,
       has_table_privilege('pg_monitor', 'promscale_upgrade_guard.upgrade_log', 'INSERT, UPDATE, DELETE, TRUNCATE') AS monitor_write,
       has_table_privilege('public', 'promscale_upgrade_guard.upgrade_log', 'SELECT') AS public_select;
-- pg_dump keeps the log's rows.
SELECT c.relname, x.extcondition FROM pg_extension e
CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(config, extcondition)
JOIN pg_class c ON c.oid = x.config
WHERE e.extname = 'promscale_upgrade_guard';
