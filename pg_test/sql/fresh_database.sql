-- A database without Promscale: the connector would create the extension.
-- TimescaleDB is mandatory for the newest release; hazards do not apply.
CREATE EXTENSION promscale_upgrade_guard;
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks() WHERE status <> 'ok' ORDER BY check_name;
SELECT promscale_upgrade_ready();
-- Optional before 0.15.0: only a warning there.
SELECT status, detail FROM promscale_upgrade_checks('0.13.0') WHERE check_name = 'timescaledb_version';
CREATE EXTENSION timescaledb;
SELECT check_name, status, detail FROM promscale_upgrade_checks() ORDER BY check_name;
SELECT promscale_upgrade_ready();
