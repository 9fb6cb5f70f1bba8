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
'The lock-table entries a Promscale upgrade to the given release will hold in its one transaction (locks_needed, with a breakdown by object class counted in the catalog), against the server''s lock table (lock_capacity from MaxBackends, max_locks_per_transaction and max_prepared_transactions, minus locks_in_use by other sessions); the recommended max_locks_per_transaction with the safety margin of promscale_upgrade_guard.lock_margin_percent, and the published formula''s answer for comparison; expected_duration: how long the upgrade should take here, from the newest successful rehearsal of the same path (run here or imported from a restored copy) scaled by the relation counts, NULL without one.';

REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_checks(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_ready(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_requirements() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_checks(pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_ready(pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_requirements() TO pg_monitor;

COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) IS
'On a restored copy, after promscale_upgrade_rehearse(): the newest rehearsal of the upgrade to the given release (NULL: the implied release) as a jsonb record (format "promscale_upgrade_guard rehearsal", version 1) to store on production with promscale_upgrade_rehearsal_import(): path and versions, PostgreSQL version, relation and metric counts, locks held and estimated, duration, whether it succeeded and its error, when, where and by which guard version.';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearsal_import(pg_catalog.jsonb, pg_catalog.text) IS
'Superuser only: checks a record of promscale_upgrade_rehearsal_export() (run on a restored copy) and stores it in promscale_upgrade_guard.rehearsal_log with origin imported, where the lock estimate, its expected_duration and the rehearsed check use it. The record is untrusted input: at most 16 kB, flat, every field bounded (measured_at from 2020 to a minute ahead of this server''s clock, durations up to 7 days, lock counts up to what pg_locks can show, an error text up to 2 kB); a record out of bounds, malformed, or of another path or target than this database''s upgrade is refused (SQLSTATE 22023) and nothing is stored; one from a much smaller catalog is stored but flagged, with a WARNING; one already stored is not stored again.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearsal_import(pg_catalog.jsonb, pg_catalog.text) FROM PUBLIC;
