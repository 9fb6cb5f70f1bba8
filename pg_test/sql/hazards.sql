-- User objects on prom_info.metric block extension 0.8.0's migration;
-- foreign tables in prom_data fail extension versions before 0.7.0.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT _prom_catalog.get_or_create_metric_table_name('cpu_usage');
CREATE VIEW public.metric_inventory AS SELECT * FROM prom_info.metric;
CREATE FUNCTION public.metric_count() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC SELECT count(*) FROM prom_info.metric; END;
SELECT status, detail, hint FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'prom_info_metric_dependents';
SELECT promscale_upgrade_ready('0.17.0');
-- Staying on 0.16 never touches the view.
SELECT status, detail FROM promscale_upgrade_checks('0.16.0') WHERE check_name = 'prom_info_metric_dependents';
-- The real migration fails exactly as the check says (run as the connector
-- does, holding its migration lock, so that the guard lets it through).
SELECT pg_advisory_lock(5585198506344173278);
ALTER EXTENSION promscale UPDATE TO '0.8.0';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_advisory_unlock(5585198506344173278);
DROP VIEW public.metric_inventory;
DROP FUNCTION public.metric_count();
SELECT status, detail FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'prom_info_metric_dependents';

DROP EXTENSION promscale CASCADE;
-- A reinstall at another version than the upgrade log recorded is an
-- update: break-glass, its WARNING hidden.
SET client_min_messages = error;
SET promscale_upgrade_guard.allow_manual_update = on;
CREATE EXTENSION promscale VERSION '0.5.4';
RESET promscale_upgrade_guard.allow_manual_update;
RESET client_min_messages;
SELECT _prom_catalog.get_or_create_metric_table_name('cpu_usage');
CREATE TABLE prom_data.my_own_table (x int);
SELECT status, detail, hint FROM promscale_upgrade_checks('0.14.0') WHERE check_name = 'non_metric_tables_in_prom_data';
SELECT status, detail FROM promscale_upgrade_checks('0.16.0') WHERE check_name = 'non_metric_tables_in_prom_data';
DROP TABLE prom_data.my_own_table;
SELECT status, detail FROM promscale_upgrade_checks('0.14.0') WHERE check_name = 'non_metric_tables_in_prom_data';
