-- standins: --promscale-versions 0.5.2,0.5.3,0.5.4,0.6.0 --promscale-default 0.6.0
-- The withdrawn 0.5.3 has no path to 0.5.4; a path to 0.6.0 exists.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.5.3';
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks('0.13.0')
WHERE check_name IN ('extension_available', 'update_path', 'withdrawn_version') ORDER BY check_name;
SELECT promscale_upgrade_ready('0.13.0');
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks('0.14.0')
WHERE check_name IN ('extension_available', 'update_path', 'withdrawn_version') ORDER BY check_name;
-- From 0.5.2 the path to 0.5.4 exists. (A new session for each reinstall:
-- in the session that dropped it, a reinstall at another version is an
-- update, refused without the connector.)
DROP EXTENSION promscale CASCADE;
\c
CREATE EXTENSION promscale VERSION '0.5.2';
SELECT check_name, status, detail FROM promscale_upgrade_checks('0.13.0')
WHERE check_name IN ('extension_available', 'update_path', 'withdrawn_version') ORDER BY check_name;
-- A downgrade is not an upgrade.
DROP EXTENSION promscale CASCADE;
\c
CREATE EXTENSION promscale VERSION '0.6.0';
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks('0.13.0') WHERE check_name = 'update_path';
