-- The lock estimate of an ordinary update, its capacity arithmetic, the
-- margin setting, and the published formula beside it.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT count(_prom_catalog.get_or_create_metric_table_name('metric_' || i)) FROM generate_series(1, 3) i;
\x on
SELECT target_release, path, locks_needed, lock_capacity, locks_in_use, locks_available, fits, fit,
       margin_percent, recommended_max_locks_per_transaction, current_max_locks_per_transaction,
       alter_system, restart_note, capacity_formula, published_formula_max_locks_per_transaction,
       streaming_standbys
FROM promscale_upgrade_lock_estimate();
\x off
-- Each part says where it comes from: counted in the catalog, scripted (the
-- scripts on disk), the system catalogs, learned, slack; they add up.
SELECT b ->> 'class' AS class, b ->> 'source' AS source, (b ->> 'objects')::int AS objects, (b ->> 'locks')::int AS locks
FROM promscale_upgrade_lock_estimate() e, jsonb_array_elements(e.breakdown) b;
SELECT e.locks_needed = sum((b ->> 'locks')::int) AS parts_add_up
FROM promscale_upgrade_lock_estimate() e, jsonb_array_elements(e.breakdown) b GROUP BY e.locks_needed;
-- The scripted parts name the script files they were read from.
SELECT DISTINCT b -> 'scripts' AS scripts
FROM promscale_upgrade_lock_estimate() e, jsonb_array_elements(e.breakdown) b WHERE b ? 'scripts';
-- Nothing to run: no locks needed.
SELECT path, locks_needed, fits FROM promscale_upgrade_lock_estimate('0.16.0');
-- The margin is a setting; it changes the recommendation and the fit.
SET promscale_upgrade_guard.lock_margin_percent = 5000;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET promscale_upgrade_guard.lock_margin_percent = 1000;
SELECT margin_percent, fit, recommended_max_locks_per_transaction, alter_system FROM promscale_upgrade_lock_estimate();
RESET promscale_upgrade_guard.lock_margin_percent;
-- Learned: an upgrade of the same path logged as holding more than its
-- estimate raises the estimate, and says so: 1,000 entries held when 389
-- objects were counted; 379 are counted today, so 1,000 - 10 = 990 (the
-- larger of that and 1,000 x 379 / 389), plus the slack. The row of another
-- starting version teaches nothing.
BEGIN;
INSERT INTO promscale_upgrade_guard.upgrade_log (kind, from_version, to_version, started_at, finished_at, duration,
    pid, role_name, application_name, allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands, locks_counted)
VALUES ('update', '0.7.0', '0.8.0', '2026-11-01 10:00+00', '2026-11-01 10:05+00', '5 min', 1, 'postgres', 'promscale@0.17.0',
        'connector_lock', 459, 1000, 16, '{}', 389),
       ('update', '0.6.0', '0.8.0', '2026-11-02 10:00+00', '2026-11-02 10:05+00', '5 min', 1, 'postgres', 'promscale@0.17.0',
        'connector_lock', 459, 5000, 16, '{}', 389);
SELECT e.locks_needed, b ->> 'locks' AS learned, b -> 'calibrated_from' ->> 'source' AS source,
       b -> 'calibrated_from' ->> 'locks_held' AS locks_held, b -> 'calibrated_from' ->> 'scaled_locks' AS scaled_locks
FROM promscale_upgrade_lock_estimate() e, jsonb_array_elements(e.breakdown) b WHERE b ->> 'source' = 'learned';
ROLLBACK;
