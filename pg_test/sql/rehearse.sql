-- The rehearsal: superuser only, refuses when there is nothing to run, and
-- leaves the database as it was.
\ir ../minor_release_ceiling.sql
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
-- A fresh install, rehearsed: the whole extension is created and rolled back.
-- The estimate never falls below what was held, and stays within a quarter
-- above it (minor_release_ceiling) on every PostgreSQL 15 minor release
-- (bench/lock_estimate.sh measures the 1.15 goal on the current one).
SELECT target_release, statements, succeeded, estimate_ratio >= 1.0 AS estimate_covers_held,
       estimate_ratio <= :minor_release_ceiling AS estimate_close,
       (catalog_changes -> 'pg_proc' ->> 'net_change')::int > 100 AS created_routines, rolled_back
FROM promscale_upgrade_rehearse();
SELECT count(*) AS promscale_extensions FROM pg_extension WHERE extname = 'promscale';
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT count(_prom_catalog.get_or_create_metric_table_name('metric_' || i)) FROM generate_series(1, 3) i;
SELECT * FROM promscale_upgrade_rehearse('0.16.0');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT target_release, statements, succeeded, error, locks_held > 300 AS many_locks,
       estimate_ratio >= 1.0 AS estimate_covers_held, estimate_ratio <= :minor_release_ceiling AS estimate_close, rolled_back
FROM promscale_upgrade_rehearse();
SELECT extversion FROM pg_extension WHERE extname = 'promscale';
-- Not for a non-superuser, even a member of pg_monitor.
CREATE ROLE guard_monitor_role IN ROLE pg_monitor;
SET ROLE guard_monitor_role;
SELECT * FROM promscale_upgrade_rehearse();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM _promscale_upgrade_rehearsal_plan(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE guard_monitor_role;
