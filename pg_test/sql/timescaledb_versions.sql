-- TimescaleDB too old: a warning when the connector can update it to a
-- version on disk, a warning below the release notes' minimum.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb VERSION '2.5.0';
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT status, detail, hint FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'timescaledb_version';
ALTER EXTENSION timescaledb UPDATE TO '2.6.1';
SELECT status, detail, hint FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'timescaledb_version';
SELECT status, detail, hint FROM promscale_upgrade_checks('0.16.0') WHERE check_name = 'timescaledb_version';
