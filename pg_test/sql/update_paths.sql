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
-- From 0.5.2 the path to 0.5.4 exists. (A reinstall at another version than
-- the upgrade log recorded is an update: break-glass, its WARNING hidden.)
DROP EXTENSION promscale CASCADE;
SET client_min_messages = error;
SET promscale_upgrade_guard.allow_manual_update = on;
CREATE EXTENSION promscale VERSION '0.5.2';
SELECT check_name, status, detail FROM promscale_upgrade_checks('0.13.0')
WHERE check_name IN ('extension_available', 'update_path', 'withdrawn_version') ORDER BY check_name;
-- A downgrade is not an upgrade.
DROP EXTENSION promscale CASCADE;
CREATE EXTENSION promscale VERSION '0.6.0';
RESET promscale_upgrade_guard.allow_manual_update;
RESET client_min_messages;
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks('0.13.0') WHERE check_name = 'update_path';
