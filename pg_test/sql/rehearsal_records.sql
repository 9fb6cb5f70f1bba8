-- Carrying a rehearsal from a restored copy to production: the record
-- promscale_upgrade_rehearsal_export() gives, and what
-- promscale_upgrade_rehearsal_import() stores, flags and refuses. One
-- database plays both parts here (tests/integration/rehearsal_carry.rs
-- carries a record between two).
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT count(_prom_catalog.get_or_create_metric_table_name('metric_' || i)) FROM generate_series(1, 3) i;
-- Nothing rehearsed yet: nothing to export, a warning, no expected duration.
SELECT promscale_upgrade_rehearsal_export();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT status, hint LIKE 'Restore a copy of this database%' AS says_how FROM promscale_upgrade_checks()
WHERE check_name = 'rehearsed';
SELECT expected_duration IS NULL AS no_expected_duration FROM promscale_upgrade_lock_estimate();
SELECT succeeded FROM promscale_upgrade_rehearse();
-- The record: every key, always; what it says.
SELECT promscale_upgrade_rehearsal_export() AS record \gset
SELECT pg_catalog.array_agg(k ORDER BY k) AS record_keys FROM pg_catalog.jsonb_object_keys(:'record'::jsonb) k;
SELECT r ->> 'format' AS format, r -> 'format_version' AS format_version, r ->> 'path' AS path,
       r ->> 'from_version' AS from_version, r ->> 'to_version' AS to_version, r -> 'succeeded' AS succeeded,
       (r ->> 'locks_held')::int > 300 AS many_locks, (r ->> 'relations')::int > 0 AS counted_relations,
       r -> 'metrics' AS metrics, r ->> 'database' = current_database() AS database_named,
       r ->> 'guard_version' = (SELECT extversion FROM pg_extension WHERE extname = 'promscale_upgrade_guard')
           AS guard_version, r -> 'error' AS error
FROM (SELECT :'record'::jsonb AS r) x;
SELECT count(*) AS rehearsals FROM promscale_upgrade_guard.rehearsal_log;
-- The same rehearsal is not stored twice.
SELECT stored, path, from_version, to_version, from_smaller_catalog, note
FROM promscale_upgrade_rehearsal_import(:'record');
-- A rehearsal of a much smaller copy is stored, flagged, with a WARNING.
\set VERBOSITY terse
SELECT stored, from_smaller_catalog
FROM promscale_upgrade_rehearsal_import(jsonb_set(jsonb_set(jsonb_set(:'record', '{relations}', '1'), '{metrics}', '1'),
                                                  '{measured_at}', '"2026-01-01T00:00:00Z"'));
\set VERBOSITY default
SELECT origin, from_smaller_catalog, imported_by = current_user AS imported_by_me, database_name = current_database()
       AS database_named, duration IS NOT NULL AS has_duration
FROM promscale_upgrade_guard.rehearsal_log ORDER BY measured_at;
-- The newest success is comparable: the check is ok and the estimate has an
-- expected duration.
SELECT status, detail LIKE '%was rehearsed successfully on %in this database%' AS says_when_and_where
FROM promscale_upgrade_checks() WHERE check_name = 'rehearsed';
SELECT expected_duration IS NOT NULL AS expected_duration FROM promscale_upgrade_lock_estimate();
-- A failed rehearsal of the path, stored after the others, fails the check
-- with its error, though it claims to have run before them: what this
-- database stored last decides, not the time a record claims.
SELECT stored FROM promscale_upgrade_rehearsal_import(
    jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(:'record', '{succeeded}', 'false'), '{locks_held}', 'null'),
                                  '{error}', '"2BP01: cannot drop view prom_info.metric because other objects depend on it"'),
                        '{measured_at}', '"2025-06-01T00:00:00Z"'),
              '{duration_seconds}', '12.5'));
SELECT status, detail LIKE '%failed in its newest rehearsal%2BP01: cannot drop view prom_info.metric%' AS with_error
FROM promscale_upgrade_checks() WHERE check_name = 'rehearsed';
SELECT promscale_upgrade_ready();
SELECT count(*) AS rehearsals FROM promscale_upgrade_guard.rehearsal_log;
-- Malformed records and records of another upgrade: 22023, nothing stored.
SELECT * FROM promscale_upgrade_rehearsal_import(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import('[1]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record'::jsonb - 'duration_seconds');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record'::jsonb || '{"locks_held": "many"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record'::jsonb || '{"measured_at": "2026-02-30T00:00:00Z"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record'::jsonb || '{"format_version": 2}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record'::jsonb || '{"from_version": "0.6.0"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_rehearsal_import(:'record', '0.16.0');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rehearsals FROM promscale_upgrade_guard.rehearsal_log;
-- Exporting is for monitoring roles too; importing is for superusers only.
CREATE ROLE guard_monitor_role IN ROLE pg_monitor;
SET ROLE guard_monitor_role;
SELECT promscale_upgrade_rehearsal_export() ->> 'succeeded' AS newest_succeeded;
SELECT * FROM promscale_upgrade_rehearsal_import(:'record');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION promscale_upgrade_rehearsal_import(jsonb, text) TO guard_monitor_role;
SET ROLE guard_monitor_role;
SELECT * FROM promscale_upgrade_rehearsal_import(:'record');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP OWNED BY guard_monitor_role;
DROP ROLE guard_monitor_role;
-- Nothing to upgrade: nothing to export or import.
SET promscale_upgrade_guard.allow_manual_update = on;
ALTER EXTENSION promscale UPDATE TO '0.8.0';
RESET promscale_upgrade_guard.allow_manual_update;
SELECT promscale_upgrade_rehearsal_export();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
