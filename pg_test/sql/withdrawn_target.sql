-- standins: --promscale-versions 0.5.2,0.5.3 --promscale-default 0.5.3
-- A package that makes the withdrawn 0.5.3 the newest version: the connector
-- would install it.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.5.2';
SELECT check_name, status, detail, hint FROM promscale_upgrade_checks()
WHERE check_name IN ('extension_available', 'update_path', 'withdrawn_version') ORDER BY check_name;
SELECT promscale_upgrade_ready();
