-- The monitoring view: one row of numbers (and three labels) for exporters
-- such as postgres_exporter; see monitoring/ in the repository.
CREATE VIEW @extschema@.promscale_upgrade_metrics AS
SELECT * FROM @extschema@._promscale_upgrade_metrics();

COMMENT ON VIEW @extschema@.promscale_upgrade_metrics IS
'One row for Prometheus exporters: phase, installed_version and target_version (labels); ready, failing_checks, warning_checks, upgrade_available, locks_needed, lock_capacity, locks_available, lock_fits, connectors, upgrade_in_progress, upgrade_seconds, waiting_for_ingest, seconds_since_last_upgrade, seconds_since_last_ingest, refused_manual_updates (a counter since the guard was installed), refused_manual_updates_since_start (since the server started), database_rows_inserted (the database''s insert counter, pg_stat_database.tup_inserted) and newest_chunk_rows_inserted (inserts into the newest chunk of each metric table): their rates show ingest; while an upgrade runs (promscale_upgrade_progress()), upgrade_progress_ratio (0 to 0.99), upgrade_eta_seconds, upgrade_blocked_seconds (how long it has waited for a lock; 0 when it does not wait) and upgrade_will_fit (0 when its peak will not fit the lock table); lock_table_used_ratio (entries in use / nominal capacity) (numbers; flags are 0 or 1).';
COMMENT ON FUNCTION @extschema@._promscale_upgrade_metrics() IS
'Internal: the row of the view promscale_upgrade_metrics.';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_state() IS
'Where the database stands in the Promscale upgrade: phase (not_installed, legacy_pre_0_11, not_ready, upgrade_available, upgrading, upgraded_waiting_for_ingest, up_to_date), versions, connector sessions, the update running now, the last logged update, whether ingestion resumed, and the next step of the upgrade guide.';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_progress() IS
'The Promscale upgrade running now in another session (one row; none when none runs), for psql''s \watch and dashboards: who runs it, since when, the lock entries held (the most this session has seen) against the estimate made when it started (progress_percent, at most 99 until commit; eta, the time left: from a rehearsal of the same path while the upgrade has run less than its expected_duration, else from the rate so far, eta_basis saying which), what it waits on and who blocks it (blocked_by, blockers with their queries), and whether its peak fits the lock table. Reads only lock and activity views: it never waits on the upgrade''s locks.';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_report(pg_catalog.text) IS
'The state, the readiness checks and the lock estimate in one jsonb document (format_version 1, documented in the README).';

REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_metrics() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_state() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_report(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_progress() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._promscale_upgrade_metrics() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_state() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_report(pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_progress() TO pg_monitor;
REVOKE ALL ON @extschema@.promscale_upgrade_metrics FROM PUBLIC;
GRANT SELECT ON @extschema@.promscale_upgrade_metrics TO pg_monitor;
