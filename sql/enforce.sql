-- Enforcement of the connector path (README, "Enforcing the connector path"):
-- the event trigger that refuses a manual ALTER EXTENSION promscale UPDATE,
-- and the log of every update it let through.

COMMENT ON SCHEMA promscale_upgrade_guard IS
'Objects of the promscale_upgrade_guard extension that are not called by users: the upgrade log and the event trigger function.';

CREATE TABLE promscale_upgrade_guard.upgrade_log (
    kind pg_catalog.text NOT NULL
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['install', 'takeover', 'update', 'baseline']::pg_catalog.text[])),
    from_version pg_catalog.text,
    to_version pg_catalog.text,
    started_at pg_catalog.timestamptz NOT NULL,
    finished_at pg_catalog.timestamptz NOT NULL,
    duration pg_catalog.interval NOT NULL,
    pid pg_catalog.int4 NOT NULL,
    role_name pg_catalog.name NOT NULL,
    application_name pg_catalog.text NOT NULL,
    allowed_by pg_catalog.text NOT NULL
        CHECK (allowed_by OPERATOR(pg_catalog.=) ANY (ARRAY['not_required', 'connector_lock', 'rehearsal',
                                                            'break_glass']::pg_catalog.text[])),
    locks_estimated pg_catalog.int8,
    locks_held pg_catalog.int8 NOT NULL,
    locks_held_fast_path pg_catalog.int8 NOT NULL,
    commands pg_catalog.text[] NOT NULL,
    locks_counted pg_catalog.int8
);

-- pg_dump keeps the rows (the table itself is recreated by CREATE EXTENSION).
SELECT pg_catalog.pg_extension_config_dump('promscale_upgrade_guard.upgrade_log', '');

-- The baseline: promscale installed before the guard. Without it an empty
-- log would read as "never installed", and DROP EXTENSION promscale CASCADE
-- followed by CREATE EXTENSION promscale VERSION '<another>' would pass as a
-- fresh install (README, "The upgrade log").
INSERT INTO promscale_upgrade_guard.upgrade_log
    (kind, from_version, to_version, started_at, finished_at, duration, pid, role_name, application_name,
     allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands)
SELECT 'baseline', NULL, e.extversion, pg_catalog.now(), pg_catalog.now(), '0'::pg_catalog.interval,
       pg_catalog.pg_backend_pid(), CURRENT_USER, '', 'not_required', NULL, 0, 0, '{}'::pg_catalog.text[]
FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'promscale';

COMMENT ON TABLE promscale_upgrade_guard.upgrade_log IS
'One row per transaction that installed, took over or updated the promscale extension and was allowed to: written inside that transaction just before it committed, so a failed or rolled-back update leaves no row. Refused attempts are in the server log.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.kind IS
'install: CREATE EXTENSION on a database without Promscale objects; takeover: CREATE EXTENSION over a pre-0.11 connector schema (with the UPDATE that followed in the same transaction); update: ALTER EXTENSION promscale UPDATE; baseline: the promscale version found when the guard was installed (or updated to 0.5.0) beside an existing promscale, so that a later DROP and CREATE at another version is known as an update.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.from_version IS
'The promscale extension version installed before the transaction''s first command; NULL when it was not installed.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.to_version IS
'The promscale extension version installed when the transaction committed.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.started_at IS
'When the transaction''s first allowed extension command started.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.finished_at IS
'When the transaction was about to commit, after all of its work.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.duration IS
'finished_at - started_at.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.pid IS
'Process id of the backend that ran the commands.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.role_name IS
'The role that ran the first command (current_user).';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.application_name IS
'The session''s application_name: promscale@<version> for a connector that built its own connection string.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.allowed_by IS
'Why it was allowed: connector_lock (the session held the connector''s migration lock), break_glass (promscale_upgrade_guard.allow_manual_update), rehearsal (promscale_upgrade_rehearse), not_required (a fresh install). When commands differ, the most notable: break_glass, then rehearsal, then connector_lock.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.locks_estimated IS
'The lock table entries the guard estimated beforehand; NULL when no estimate was made.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.locks_counted IS
'The part of locks_estimated counted in the catalog (objects that existed): a later estimate for the same path scales this row''s locks_held by how those counts changed.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.locks_held IS
'Distinct objects this backend held locks on just before commit (pg_locks): the lock table entries the update really needed.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.locks_held_fast_path IS
'How many of locks_held were fast-path locks, which do not use the shared lock table.';
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.commands IS
'The allowed extension commands of the transaction, in canonical form.';

-- What each rehearsal measured: later lock estimates for the same path and
-- target never fall below it (scaled to the catalog counts of the day).
CREATE TABLE promscale_upgrade_guard.rehearsal_log (
    measured_at pg_catalog.timestamptz NOT NULL,
    path pg_catalog.text NOT NULL
        CHECK (path OPERATOR(pg_catalog.=) ANY (ARRAY['takeover', 'update', 'fresh']::pg_catalog.text[])),
    from_version pg_catalog.text,
    to_version pg_catalog.text,
    succeeded pg_catalog.bool NOT NULL,
    locks_estimated pg_catalog.int8,
    locks_counted pg_catalog.int8,
    locks_held pg_catalog.int8,
    role_name pg_catalog.name NOT NULL,
    duration pg_catalog.interval,
    error pg_catalog.text,
    server_version_num pg_catalog.int4,
    relations pg_catalog.int8,
    metrics pg_catalog.int8,
    guard_version pg_catalog.text,
    database_name pg_catalog.name,
    origin pg_catalog.text NOT NULL DEFAULT 'local'
        CHECK (origin OPERATOR(pg_catalog.=) ANY (ARRAY['local', 'imported']::pg_catalog.text[])),
    imported_at pg_catalog.timestamptz,
    imported_by pg_catalog.name,
    from_smaller_catalog pg_catalog.bool
);
COMMENT ON TABLE promscale_upgrade_guard.rehearsal_log IS
'One row per promscale_upgrade_rehearse() call that ran the upgrade (origin local), or per rehearsal of a restored copy stored by promscale_upgrade_rehearsal_import() (origin imported): what it held, how long it took, whether it failed and why. The rehearsal stored last decides (an imported row counts from imported_at, never from the time its record claims). The lock estimate of the same path and target never falls below the latest measurement that exceeded its estimate, scaled to today''s catalog counts (see the breakdown''s learned part); an imported measurement may raise it, never lower it below this database''s own. Its expected_duration and the rehearsed readiness check come from here. Not kept by pg_dump: a copy carries its rehearsals back with promscale_upgrade_rehearsal_export().';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.measured_at IS 'When the rehearsal measured.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.path IS 'takeover, update or fresh: which statements ran.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.from_version IS 'The promscale extension version installed; NULL for a takeover or a fresh install.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.to_version IS 'The promscale extension version the rehearsal updated to.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.succeeded IS 'Whether the statements succeeded (a failed upgrade holds no comparable locks).';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_estimated IS 'The lock estimate made before the rehearsal ran.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_counted IS 'The part of locks_estimated counted in the catalog: a later estimate scales locks_held by how those counts changed.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_held IS 'Distinct lock-table entries held just before the rehearsal rolled back; NULL when it failed.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.role_name IS 'The role that ran the rehearsal.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.duration IS 'How long the statements ran; NULL for rows written before 0.4.0.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.error IS 'When the statements failed: SQLSTATE, message, detail and hint, as the upgrade would raise them.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.server_version_num IS 'The PostgreSQL version the rehearsal ran on (server_version_num).';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.relations IS 'Relations outside the system schemas when the rehearsal ran: the size its duration is scaled by.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.metrics IS 'Promscale metric tables when the rehearsal ran.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.guard_version IS 'The guard version (its library) that measured.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.database_name IS 'The database the rehearsal ran in (a restored copy, for an imported row).';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.origin IS 'local: run in this database; imported: measured on a copy and stored by promscale_upgrade_rehearsal_import().';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.imported_at IS 'When an imported row was stored; NULL for a local one.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.imported_by IS 'The role that imported the row; NULL for a local one.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.from_smaller_catalog IS 'For an imported row: true when its catalog was much smaller than this one at import (fewer than half the relations or metrics), so its duration and locks say little here. NULL for a local row.';
REVOKE ALL ON TABLE promscale_upgrade_guard.rehearsal_log FROM PUBLIC;
GRANT SELECT ON TABLE promscale_upgrade_guard.rehearsal_log TO pg_monitor;

CREATE EVENT TRIGGER promscale_upgrade_guard_connector_path ON ddl_command_start
    WHEN TAG IN ('ALTER EXTENSION', 'CREATE EXTENSION')
    EXECUTE FUNCTION promscale_upgrade_guard.enforce_connector_path();
-- Also under session_replication_role = replica.
ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path ENABLE ALWAYS;

COMMENT ON EVENT TRIGGER promscale_upgrade_guard_connector_path IS
'Refuses ALTER EXTENSION promscale UPDATE, CREATE EXTENSION promscale over a pre-0.11 connector schema, and a reinstall of promscale (after a DROP) at another version than the upgrade log last recorded, unless the session holds the Promscale Connector''s migration lock (session-level exclusive advisory lock on key 5585198506344173278) or a superuser set promscale_upgrade_guard.allow_manual_update. Acts only for roles PostgreSQL would let run the command (others get PostgreSQL''s own error). Fires only for ALTER EXTENSION and CREATE EXTENSION (DROP EXTENSION promscale_upgrade_guard needs no library).';
COMMENT ON FUNCTION promscale_upgrade_guard.enforce_connector_path() IS
'Event trigger function of promscale_upgrade_guard_connector_path (C, in the guard''s shared library). If that library is missing, every ALTER/CREATE EXTENSION in this database fails until it is restored or DROP EXTENSION promscale_upgrade_guard is run; other DDL is not affected.';

COMMENT ON FUNCTION promscale_upgrade_guard.begin_rehearsal() IS
'Internal to promscale_upgrade_rehearse(), superuser only: extension commands in the current subtransaction (which the rehearsal always rolls back) are allowed as a rehearsal.';

REVOKE ALL ON FUNCTION promscale_upgrade_guard.enforce_connector_path() FROM PUBLIC;
REVOKE ALL ON FUNCTION promscale_upgrade_guard.begin_rehearsal() FROM PUBLIC;
REVOKE ALL ON TABLE promscale_upgrade_guard.upgrade_log FROM PUBLIC;
GRANT USAGE ON SCHEMA promscale_upgrade_guard TO pg_monitor;
GRANT SELECT ON TABLE promscale_upgrade_guard.upgrade_log TO pg_monitor;

-- Refusals abort their transaction, so they cannot be logged in a table; a
-- sequence is not transactional: the trigger advances it before refusing.
CREATE SEQUENCE promscale_upgrade_guard.refused_manual_updates;
COMMENT ON SEQUENCE promscale_upgrade_guard.refused_manual_updates IS
'Counts manual updates of the promscale extension that the event trigger refused (a counter since the guard was installed; each refusal is also in the server log).';
GRANT SELECT ON SEQUENCE promscale_upgrade_guard.refused_manual_updates TO pg_monitor;
-- "Since the server started": the first refusal after a start records the
-- start time and the count before it (setval, not transactional either).
CREATE SEQUENCE promscale_upgrade_guard.refusals_server_start MINVALUE 0;
COMMENT ON SEQUENCE promscale_upgrade_guard.refusals_server_start IS
'The server start (epoch seconds) at which refusals were last counted: with refused_before_server_start it gives the refusals since the server started.';
CREATE SEQUENCE promscale_upgrade_guard.refused_before_server_start MINVALUE 0;
COMMENT ON SEQUENCE promscale_upgrade_guard.refused_before_server_start IS
'The value of refused_manual_updates when the server recorded in refusals_server_start started.';
GRANT SELECT ON SEQUENCE promscale_upgrade_guard.refusals_server_start, promscale_upgrade_guard.refused_before_server_start TO pg_monitor;
