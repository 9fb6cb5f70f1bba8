-- promscale_upgrade_guard 0.1.0 -> 0.2.0: the lock estimate is derived
-- from the catalog and the script files and learns from measurements. The
-- upgrade log keeps the counted part of each estimate, rehearsals are logged,
-- and the rehearsal's plan returns what it needs for that. Written by hand;
-- tests/integration/guard_upgrade.rs checks that 0.1.0 updated with it equals
-- a fresh 0.2.0 install.
\echo Use "ALTER EXTENSION promscale_upgrade_guard UPDATE TO '0.2.0'" to load this file. \quit

ALTER TABLE promscale_upgrade_guard.upgrade_log ADD COLUMN locks_counted bigint;
COMMENT ON COLUMN promscale_upgrade_guard.upgrade_log.locks_counted IS
'The part of locks_estimated counted in the catalog (objects that existed): a later estimate for the same path scales this row''s locks_held by how those counts changed.';

-- What each rehearsal measured: later lock estimates for the same path and
-- target never fall below it (scaled to the catalog counts of the day).
CREATE TABLE promscale_upgrade_guard.rehearsal_log (
    measured_at timestamptz NOT NULL,
    path text NOT NULL CHECK (path IN ('takeover', 'update', 'fresh')),
    from_version text,
    to_version text,
    succeeded boolean NOT NULL,
    locks_estimated bigint,
    locks_counted bigint,
    locks_held bigint,
    role_name name NOT NULL
);
COMMENT ON TABLE promscale_upgrade_guard.rehearsal_log IS
'One row per promscale_upgrade_rehearse() call that ran the upgrade: what it held. The lock estimate of the same path and target never falls below the newest measurement that exceeded its estimate, scaled to today''s catalog counts (see the breakdown''s learned part). Not kept by pg_dump: a measurement belongs to the database it was made in.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.measured_at IS 'When the rehearsal measured.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.path IS 'takeover, update or fresh: which statements ran.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.from_version IS 'The promscale extension version installed; NULL for a takeover or a fresh install.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.to_version IS 'The promscale extension version the rehearsal updated to.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.succeeded IS 'Whether the statements succeeded (a failed upgrade holds no comparable locks).';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_estimated IS 'The lock estimate made before the rehearsal ran.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_counted IS 'The part of locks_estimated counted in the catalog: a later estimate scales locks_held by how those counts changed.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.locks_held IS 'Distinct lock-table entries held just before the rehearsal rolled back; NULL when it failed.';
COMMENT ON COLUMN promscale_upgrade_guard.rehearsal_log.role_name IS 'The role that ran the rehearsal.';
REVOKE ALL ON TABLE promscale_upgrade_guard.rehearsal_log FROM PUBLIC;
GRANT SELECT ON TABLE promscale_upgrade_guard.rehearsal_log TO pg_monitor;

-- The plan returns more columns: a new result type, so DROP and CREATE.
DROP FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(text);
CREATE FUNCTION "_promscale_upgrade_rehearsal_plan"(
	"target" TEXT /* Option < & str > */
) RETURNS TABLE (
	"target_release" TEXT,  /* String */
	"statements" TEXT[],  /* Vec < String > */
	"locks_estimated" bigint,  /* i64 */
	"path" TEXT,  /* String */
	"from_version" TEXT,  /* Option < String > */
	"to_version" TEXT,  /* Option < String > */
	"locks_counted" bigint  /* i64 */
)
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_promscale_upgrade_rehearsal_plan_wrapper';
COMMENT ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(text) IS
'Internal to promscale_upgrade_rehearse(): the refusals and the statements to run.';
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.promscale_upgrade_rehearse(target text DEFAULT NULL)
RETURNS TABLE (
    target_release text,
    statements text[],
    succeeded boolean,
    error text,
    locks_held bigint,
    locks_estimated bigint,
    estimate_ratio numeric,
    duration interval,
    catalog_changes jsonb,
    sequences_reset integer,
    rolled_back boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $rehearse$
DECLARE
    _stmt text;
    _started timestamptz;
    _first_xid bigint;
    _before jsonb;
    _sequences jsonb := '{}';
    _seq record;
    _value bigint;
    _called boolean;
    _path text;
    _from_version text;
    _to_version text;
    _locks_counted bigint;
BEGIN
    -- Planning and the "before" counts read catalogs; they run in a block
    -- that is rolled back so that their locks are released and only the
    -- upgrade's own locks are measured below.
    BEGIN
        SELECT p.target_release, p.statements, p.locks_estimated, p.path, p.from_version, p.to_version, p.locks_counted
        INTO target_release, statements, locks_estimated, _path, _from_version, _to_version, _locks_counted
        FROM @extschema@._promscale_upgrade_rehearsal_plan(target) AS p;
        SELECT jsonb_object_agg(r.catalog, r.total) INTO _before
        FROM @extschema@._promscale_upgrade_catalog_rows(0) AS r;
        -- Sequence changes (nextval, setval) survive a rollback: remember
        -- every sequence's state to put it back afterwards.
        FOR _seq IN SELECT c.oid::regclass::text AS name FROM pg_class c
                    WHERE c.relkind = 'S' AND c.relpersistence <> 't' LOOP
            EXECUTE format('SELECT last_value, is_called FROM %s', _seq.name) INTO _value, _called;
            _sequences := _sequences || jsonb_build_object(_seq.name, jsonb_build_array(_value, _called));
        END LOOP;
        RAISE EXCEPTION 'planning done' USING ERRCODE = 'U0R02';
    EXCEPTION WHEN SQLSTATE 'U0R02' THEN
        NULL;
    END;

    RAISE WARNING 'the rehearsal runs the Promscale upgrade and holds its locks until it rolls back'
        USING DETAIL = format('It runs: %s. Every Promscale table stays locked for the duration.', array_to_string(statements, '; ')),
              HINT = 'Rehearse on a restored copy or a staging server, not while the database serves ingest.';

    -- Rows the statements write get transaction ids after this one.
    _first_xid := txid_current();
    _started := clock_timestamp();
    BEGIN
        -- The guard's event trigger allows these statements as a rehearsal,
        -- in this block only (it always rolls back).
        PERFORM promscale_upgrade_guard.begin_rehearsal();
        FOREACH _stmt IN ARRAY statements LOOP
            EXECUTE _stmt;
        END LOOP;
        -- Distinct lock-table entries this backend holds now, as the
        -- upgrade's transaction would just before COMMIT.
        SELECT count(*) INTO locks_held FROM (
            SELECT DISTINCT l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid,
                            l.transactionid::text, l.classid, l.objid, l.objsubid
            FROM pg_locks l
            WHERE l.pid = pg_backend_pid() AND l.locktype NOT IN ('virtualxid', 'transactionid')) AS held;
        duration := clock_timestamp() - _started;
        SELECT jsonb_object_agg(r.catalog, jsonb_build_object(
                   'rows_written', r.written, 'net_change', r.total - (_before ->> r.catalog)::bigint))
        INTO catalog_changes
        FROM @extschema@._promscale_upgrade_catalog_rows(_first_xid) AS r;
        succeeded := true;
        RAISE EXCEPTION 'rehearsal rolled back' USING ERRCODE = 'U0R01';
    EXCEPTION
        WHEN SQLSTATE 'U0R01' THEN
            rolled_back := true;
        WHEN OTHERS THEN
            -- The upgrade itself failed: that is the rehearsal's finding.
            succeeded := false;
            error := SQLSTATE || ': ' || SQLERRM;
            duration := clock_timestamp() - _started;
            rolled_back := true;
    END;
    sequences_reset := 0;
    FOR _seq IN SELECT key AS name, (value ->> 0)::bigint AS last_value, (value ->> 1)::boolean AS is_called
                FROM jsonb_each(_sequences) LOOP
        EXECUTE format('SELECT last_value, is_called FROM %s', _seq.name) INTO _value, _called;
        IF (_value, _called) IS DISTINCT FROM (_seq.last_value, _seq.is_called) THEN
            PERFORM setval(_seq.name::regclass, _seq.last_value, _seq.is_called);
            sequences_reset := sequences_reset + 1;
        END IF;
    END LOOP;
    estimate_ratio := CASE WHEN locks_held > 0 THEN round(locks_estimated::numeric / locks_held, 3) END;
    -- The measurement outlives the rollback: later estimates learn from it.
    INSERT INTO promscale_upgrade_guard.rehearsal_log
        (measured_at, path, from_version, to_version, succeeded, locks_estimated, locks_counted, locks_held, role_name)
    VALUES (_started, _path, _from_version, _to_version, succeeded, locks_estimated, _locks_counted, locks_held, current_user);
    RETURN NEXT;
END
$rehearse$;

COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearse(text) IS
'Superuser only, for a restored copy or staging: runs the statements the Promscale Connector would run for this database (takeover or update) inside a subtransaction, records the distinct lock entries held at the end, the duration and the catalog rows written, then rolls everything back and puts back the sequences the statements advanced (sequence changes survive a rollback). The measurement is kept in promscale_upgrade_guard.rehearsal_log, and later lock estimates of the same path never fall below it. Refuses while connectors are connected. Holds the upgrade''s locks while it runs.';
