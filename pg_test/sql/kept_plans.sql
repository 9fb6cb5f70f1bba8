-- The guard plans its catalog queries once per backend and keeps the plans.
-- In one session, they must follow what they read when it goes away, comes
-- back under new OIDs, or changes, and when the search_path changes.
CREATE EXTENSION promscale_upgrade_guard;
SELECT phase, installed_version, metadata_last_seen IS NULL AS no_metadata, last_upgrade_to
FROM promscale_upgrade_state();
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT _prom_catalog.get_or_create_metric_table_name('cpu_usage');
-- Now the metadata table and the metric exist: same queries, new answers.
SELECT phase, installed_version, metadata_last_seen IS NULL AS no_metadata FROM promscale_upgrade_state();
SELECT class, objects FROM jsonb_to_recordset((SELECT breakdown FROM promscale_upgrade_lock_estimate('0.17.0')))
    AS b(class text, objects bigint) WHERE class IN ('extension_routines', 'extension_relations');
-- The guard itself dropped and created again: its log and counters get new OIDs.
DROP EXTENSION promscale_upgrade_guard;
CREATE EXTENSION promscale_upgrade_guard;
SELECT refused_manual_updates FROM promscale_upgrade_metrics;
ALTER EXTENSION promscale UPDATE TO '0.8.0';
SELECT refused_manual_updates FROM promscale_upgrade_metrics;
-- Promscale dropped: back to no extension, in the same session.
DROP EXTENSION promscale CASCADE;
SELECT phase, installed_version, metadata_last_seen IS NULL AS no_metadata FROM promscale_upgrade_state();
-- Another search_path: every query names its schemas, and still answers.
SET search_path = pg_catalog;
SELECT phase FROM public.promscale_upgrade_state();
SELECT public.promscale_upgrade_ready() IS NOT NULL AS answered;
