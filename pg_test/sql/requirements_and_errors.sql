-- The release rules as a table, and bad targets: a clear error with SQLSTATE
-- 22023, a detail listing the known releases, a hint, and nothing changed.
CREATE EXTENSION promscale_upgrade_guard;
SELECT release, postgresql_min, postgresql_max, timescaledb_min, timescaledb_mandatory,
       extension_min, extension_below, extension_mandatory, cardinality(hazards) AS hazards
FROM promscale_upgrade_requirements();
SELECT promscale_upgrade_ready('0.9.0');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_checks('latest');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_checks('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A long argument is quoted in part (64 characters).
SELECT * FROM promscale_upgrade_checks(repeat('9', 100000));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM promscale_upgrade_checks('1.0.0-beta');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A short release number is the same release.
SELECT count(*) FROM promscale_upgrade_checks('0.17');
-- Errors changed nothing: the guard is still the only extension.
SELECT extname FROM pg_extension ORDER BY 1;
