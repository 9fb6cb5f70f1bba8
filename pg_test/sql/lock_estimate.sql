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
-- Nothing to run: no locks needed.
SELECT path, locks_needed, fits FROM promscale_upgrade_lock_estimate('0.16.0');
-- The margin is a setting; it changes the recommendation and the fit.
SET promscale_upgrade_guard.lock_margin_percent = 5000;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET promscale_upgrade_guard.lock_margin_percent = 1000;
SELECT margin_percent, fit, recommended_max_locks_per_transaction, alter_system FROM promscale_upgrade_lock_estimate();
RESET promscale_upgrade_guard.lock_margin_percent;
