-- standins: --timescaledb-versions 2.5.0,2.6.0 --timescaledb-default 2.6.0
-- TimescaleDB too old and nothing suitable on disk: the upgrade cannot run.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb VERSION '2.5.0';
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT status, detail, hint FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'timescaledb_version';
SELECT promscale_upgrade_ready('0.17.0');
