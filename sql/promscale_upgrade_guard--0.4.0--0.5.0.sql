-- promscale_upgrade_guard 0.4.0 -> 0.5.0 (issue 26, the third security
-- pass): the upgrade log gains the kind 'baseline', the promscale version
-- found beside the guard when it was installed; a database that already
-- has promscale and an empty log gets its baseline row now, so that an
-- empty log never reads as "never installed". The other objects are
-- unchanged (what changed is in the library).
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
