-- standins: --promscale-versions 0.7.0,0.8.0 --promscale-default 0.7.0
-- 0.8.0 is on disk but the package did not make it the default_version:
-- the connector would not pick it.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
-- The implied release is the one default_version 0.7.0 belongs to: nothing to do.
SELECT check_name, status, detail FROM promscale_upgrade_checks()
WHERE check_name IN ('extension_available', 'update_path') ORDER BY check_name;
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks('0.17.0')
WHERE check_name IN ('extension_available', 'update_path') ORDER BY check_name;
SELECT promscale_upgrade_ready('0.17.0');
