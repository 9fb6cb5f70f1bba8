-- Comments and privileges for every object of the extension: \df+ and \dx+
-- explain them, and only superusers and members of pg_monitor may call them.
-- (The enforcement objects, in schema promscale_upgrade_guard, get theirs in
-- sql/enforce.sql.)

COMMENT ON FUNCTION @extschema@.promscale_upgrade_checks(pg_catalog.text) IS
'One row per readiness check for a Promscale upgrade to the given release (NULL: the release implied by the newest promscale extension version made available): check_name, status (ok, warning, fail), detail with the numbers, hint with the fix.';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_ready(pg_catalog.text) IS
'True when no readiness check fails for a Promscale upgrade to the given release (NULL: the implied release); raises a NOTICE with the detail and fix for each failing check.';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_requirements() IS
'The Promscale release rules the guard enforces: per connector release, the supported PostgreSQL, TimescaleDB and promscale extension versions, and the known hazards of upgrading to it.';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) IS
'The lock-table entries a Promscale upgrade to the given release will hold in its one transaction (locks_needed, with a breakdown by object class counted in the catalog), against the server''s lock table (lock_capacity from MaxBackends, max_locks_per_transaction and max_prepared_transactions, minus locks_in_use by other sessions); the recommended max_locks_per_transaction with the safety margin of promscale_upgrade_guard.lock_margin_percent, and the published formula''s answer for comparison.';

REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_checks(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_ready(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_requirements() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_checks(pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_ready(pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_requirements() TO pg_monitor;
