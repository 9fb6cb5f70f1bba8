-- A pre-0.11 database (connector 0.10 schema, old extension 0.3.2, traces):
-- the connector takes it over through 0.0.0, and the takeover drops all
-- tracing data.
\set QUIET on
\set ECHO none
CREATE EXTENSION timescaledb;
\set old_extension 0.3.2
\set metrics 3
\set spans 40
\ir ../fixtures/legacy-0.10.sql
ANALYZE;
-- Statistics reach other sessions asynchronously before PostgreSQL 15.
SELECT pg_sleep(1.2) \g /dev/null
\set ECHO all
\set QUIET off
CREATE EXTENSION promscale_upgrade_guard;
-- (The row estimate and size come from statistics, which arrive at their own
-- pace: the numbers are masked.)
SELECT check_name, status, regexp_replace(detail, 'About [0-9]+ rows \([^)]*\)', 'About N rows (S)') AS detail, hint
FROM promscale_upgrade_checks()
WHERE check_name IN ('update_path', 'tracing_data_dropped', 'extension_available') ORDER BY check_name;
-- The hazards of every release crossed apply: 0.10 -> 0.17 crosses 0.11.0.
SELECT check_name, status FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'tracing_data_dropped';
SELECT check_name, status FROM promscale_upgrade_checks('0.11.0') WHERE check_name = 'tracing_data_dropped';
-- Without tracing data nothing is lost.
TRUNCATE _ps_trace.link, _ps_trace.event, _ps_trace.span, _ps_trace.tag,
         _ps_trace.operation, _ps_trace.instrumentation_lib, _ps_trace.schema_url CASCADE;
ANALYZE;
SELECT pg_sleep(1.2) \g /dev/null
SELECT check_name, status, detail FROM promscale_upgrade_checks() WHERE check_name = 'tracing_data_dropped';
-- After the takeover (as the connector runs it: in one transaction, holding
-- its migration lock) it is an update.
SELECT pg_advisory_lock(5585198506344173278);
BEGIN;
DROP EXTENSION IF EXISTS promscale;
CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0';
ALTER EXTENSION promscale UPDATE TO '0.8.0';
COMMIT;
SELECT pg_advisory_unlock(5585198506344173278);
SELECT check_name, status, detail FROM promscale_upgrade_checks()
WHERE check_name IN ('update_path', 'tracing_data_dropped') ORDER BY check_name;
