-- promscale_upgrade_guard 0.4.0 -> 0.5.0 (issue 26, the third security
-- pass): the upgrade log gains the kind 'baseline', the promscale version
-- found beside the guard when it was installed; a database that already
-- has promscale and an empty log gets its baseline row now, so that an
-- empty log never reads as "never installed". The other objects are
-- unchanged but for two comments (rehearsals are ordered by when this
-- database stored them, and imported records are bounded); what changed
-- otherwise is in the library.
-- Written by hand from the 0.5.0 install script;
-- tests/integration/guard_upgrade.rs checks that 0.4.0 (and every older
-- release) updated with it equals a fresh 0.5.0 install.
\echo Use "ALTER EXTENSION promscale_upgrade_guard UPDATE TO '0.5.0'" to load this file. \quit

ALTER TABLE promscale_upgrade_guard.upgrade_log
    DROP CONSTRAINT upgrade_log_kind_check,
    ADD CONSTRAINT upgrade_log_kind_check
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['install', 'takeover', 'update', 'baseline']::pg_catalog.text[]));
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.kind IS
'install: CREATE EXTENSION on a database without Promscale objects; takeover: CREATE EXTENSION over a pre-0.11 connector schema (with the UPDATE that followed in the same transaction); update: ALTER EXTENSION promscale UPDATE; baseline: the promscale version found when the guard was installed (or updated to 0.5.0) beside an existing promscale, so that a later DROP and CREATE at another version is known as an update.';

INSERT INTO promscale_upgrade_guard.upgrade_log
    (kind, from_version, to_version, started_at, finished_at, duration, pid, role_name, application_name,
     allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands)
SELECT 'baseline', NULL, e.extversion, pg_catalog.now(), pg_catalog.now(), '0'::pg_catalog.interval,
       pg_catalog.pg_backend_pid(), CURRENT_USER, '', 'not_required', NULL, 0, 0, '{}'::pg_catalog.text[]
FROM pg_catalog.pg_extension e
WHERE e.extname OPERATOR(pg_catalog.=) 'promscale'
  AND NOT EXISTS (SELECT FROM promscale_upgrade_guard.upgrade_log l);

COMMENT ON TABLE promscale_upgrade_guard.rehearsal_log IS
'One row per promscale_upgrade_rehearse() call that ran the upgrade (origin local), or per rehearsal of a restored copy stored by promscale_upgrade_rehearsal_import() (origin imported): what it held, how long it took, whether it failed and why. The rehearsal stored last decides (an imported row counts from imported_at, never from the time its record claims). The lock estimate of the same path and target never falls below the latest measurement that exceeded its estimate, scaled to today''s catalog counts (see the breakdown''s learned part); an imported measurement may raise it, never lower it below this database''s own. Its expected_duration and the rehearsed readiness check come from here. Not kept by pg_dump: a copy carries its rehearsals back with promscale_upgrade_rehearsal_export().';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearsal_import(pg_catalog.jsonb, pg_catalog.text) IS
'Superuser only: checks a record of promscale_upgrade_rehearsal_export() (run on a restored copy) and stores it in promscale_upgrade_guard.rehearsal_log with origin imported, where the lock estimate, its expected_duration and the rehearsed check use it. The record is untrusted input: at most 16 kB, flat, every field bounded (measured_at from 2020 to a minute ahead of this server''s clock, durations up to 7 days, lock counts up to what pg_locks can show, an error text up to 2 kB); a record out of bounds, malformed, or of another path or target than this database''s upgrade is refused (SQLSTATE 22023) and nothing is stored; one from a much smaller catalog is stored but flagged, with a WARNING; one already stored is not stored again.';
