-- promscale_upgrade_guard 0.3.0 -> 0.4.0 (issue 18, the rehearsal carried
-- from a restored copy to production): rehearsal_log gains the duration,
-- the error, the PostgreSQL version, the catalog size, the guard version,
-- the database and the origin (local or imported) of each rehearsal; the
-- rehearsal records them; promscale_upgrade_rehearsal_export() and
-- promscale_upgrade_rehearsal_import() are new; the lock estimate gains
-- expected_duration and the progress expected_duration and eta_basis (new
-- result types: drop and create). The other objects are unchanged.
-- Written by hand from the 0.4.0 install script;
-- tests/integration/guard_upgrade.rs checks that 0.3.0 (and 0.2.0, 0.1.0)
-- updated with it equal a fresh 0.4.0 install.
\echo Use "ALTER EXTENSION promscale_upgrade_guard UPDATE TO '0.4.0'" to load this file. \quit

-- The log: new columns, in the order a fresh install has them (rows of
-- before 0.4.0 keep NULL in them, and origin local). origin gets its
-- default after the rows are filled in: a column added with a default keeps
-- it as a "missing value" in pg_attribute, which a fresh install has not.
ALTER TABLE promscale_upgrade_guard.rehearsal_log
    ADD COLUMN duration pg_catalog.interval,
    ADD COLUMN error pg_catalog.text,
    ADD COLUMN server_version_num pg_catalog.int4,
    ADD COLUMN relations pg_catalog.int8,
    ADD COLUMN metrics pg_catalog.int8,
    ADD COLUMN guard_version pg_catalog.text,
    ADD COLUMN database_name pg_catalog.name,
    ADD COLUMN origin pg_catalog.text,
    ADD COLUMN imported_at pg_catalog.timestamptz,
    ADD COLUMN imported_by pg_catalog.name,
    ADD COLUMN from_smaller_catalog pg_catalog.bool;
UPDATE promscale_upgrade_guard.rehearsal_log SET origin = 'local';
ALTER TABLE promscale_upgrade_guard.rehearsal_log
    ALTER COLUMN origin SET DEFAULT 'local',
    ALTER COLUMN origin SET NOT NULL,
    ADD CONSTRAINT rehearsal_log_origin_check
        CHECK (origin OPERATOR(pg_catalog.=) ANY (ARRAY['local', 'imported']::pg_catalog.text[]));
COMMENT ON TABLE promscale_upgrade_guard.rehearsal_log IS
'One row per promscale_upgrade_rehearse() call that ran the upgrade (origin local), or per rehearsal of a restored copy stored by promscale_upgrade_rehearsal_import() (origin imported): what it held, how long it took, whether it failed and why. The lock estimate of the same path and target never falls below the newest measurement that exceeded its estimate, scaled to today''s catalog counts (see the breakdown''s learned part); its expected_duration and the rehearsed readiness check come from here. Not kept by pg_dump: a copy carries its rehearsals back with promscale_upgrade_rehearsal_export().';
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

-- The rehearsal: its plan returns the catalog's size and the guard's
-- version (a new result type: drop and create), and it records them.
DROP FUNCTION @extschema@.promscale_upgrade_rehearse(pg_catalog.text);
DROP FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(pg_catalog.text);
CREATE  FUNCTION "_promscale_upgrade_rehearsal_plan"(
	"target" TEXT /* Option < LossyText > */
) RETURNS TABLE (
	"target_release" TEXT,  /* String */
	"statements" TEXT[],  /* Vec < String > */
	"locks_estimated" bigint,  /* i64 */
	"path" TEXT,  /* String */
	"from_version" TEXT,  /* Option < String > */
	"to_version" TEXT,  /* Option < String > */
	"locks_counted" bigint,  /* i64 */
	"sequence_schemas" TEXT[],  /* Vec < String > */
	"blocking_objects" TEXT[],  /* Vec < String > */
	"relations" bigint,  /* i64 */
	"metrics" bigint,  /* i64 */
	"guard_version" TEXT  /* String */
)
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_promscale_upgrade_rehearsal_plan_wrapper';

CREATE FUNCTION @extschema@.promscale_upgrade_rehearse(target pg_catalog.text DEFAULT NULL)
RETURNS TABLE (
    target_release pg_catalog.text,
    statements pg_catalog.text[],
    succeeded pg_catalog.bool,
    error pg_catalog.text,
    locks_held pg_catalog.int8,
    locks_estimated pg_catalog.int8,
    estimate_ratio pg_catalog.numeric,
    duration pg_catalog.interval,
    catalog_changes pg_catalog.jsonb,
    sequences_reset pg_catalog.int4,
    rolled_back pg_catalog.bool)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $rehearse$
DECLARE
    _stmt pg_catalog.text;
    _started pg_catalog.timestamptz;
    _first_xid pg_catalog.int8;
    _before pg_catalog.jsonb;
    _schemas pg_catalog.text[];
    _sequences pg_catalog.jsonb := '{}';
    _held_before pg_catalog.text[];
    _seq pg_catalog.record;
    _value pg_catalog.int8;
    _called pg_catalog.bool;
    _path pg_catalog.text;
    _from_version pg_catalog.text;
    _to_version pg_catalog.text;
    _locks_counted pg_catalog.int8;
    _blocking pg_catalog.text[];
    _message pg_catalog.text;
    _detail pg_catalog.text;
    _hint pg_catalog.text;
    _relations pg_catalog.int8;
    _metrics pg_catalog.int8;
    _guard_version pg_catalog.text;
BEGIN
    -- Planning and the "before" counts read catalogs; they run in a block
    -- that is rolled back so that their locks are released and only the
    -- upgrade's own locks are measured below.
    BEGIN
        SELECT p.target_release, p.statements, p.locks_estimated, p.path, p.from_version, p.to_version,
               p.locks_counted, p.sequence_schemas, p.blocking_objects, p.relations, p.metrics, p.guard_version
        INTO target_release, statements, locks_estimated, _path, _from_version, _to_version, _locks_counted, _schemas,
             _blocking, _relations, _metrics, _guard_version
        FROM @extschema@._promscale_upgrade_rehearsal_plan(target) AS p;
        SELECT pg_catalog.jsonb_object_agg(r.catalog, r.total) INTO _before
        FROM @extschema@._promscale_upgrade_catalog_rows(0) AS r;
        -- Sequence changes (nextval, setval) survive a rollback: remember
        -- the state of Promscale's sequences to put back afterwards.
        FOR _seq IN SELECT s::pg_catalog.text AS name FROM @extschema@._promscale_upgrade_sequences(_schemas) AS s LOOP
            EXECUTE pg_catalog.format('SELECT last_value, is_called FROM %s', _seq.name) INTO _value, _called;
            _sequences := _sequences OPERATOR(pg_catalog.||)
                          pg_catalog.jsonb_build_object(_seq.name, pg_catalog.jsonb_build_array(_value, _called));
        END LOOP;
        RAISE EXCEPTION 'planning done' USING ERRCODE = 'U0R02';
    EXCEPTION WHEN SQLSTATE 'U0R02' THEN
        NULL;
    END;

    RAISE WARNING 'the rehearsal runs the Promscale upgrade and holds its locks until it rolls back'
        USING DETAIL = pg_catalog.format('It runs: %s. Every Promscale table stays locked for the duration.',
                                         pg_catalog.array_to_string(statements, '; ')),
              HINT = 'Rehearse on a restored copy or a staging server, not while the database serves ingest.';

    -- Rows the statements write get transaction ids after this one.
    _first_xid := pg_catalog.txid_current();
    _held_before := @extschema@._promscale_upgrade_held_locks();
    _started := pg_catalog.clock_timestamp();
    BEGIN
        -- The guard's event trigger allows these statements as a rehearsal,
        -- in this block only (it always rolls back).
        PERFORM promscale_upgrade_guard.begin_rehearsal();
        FOREACH _stmt IN ARRAY statements LOOP
            EXECUTE _stmt;
        END LOOP;
        -- Distinct lock-table entries this backend holds now, as the
        -- upgrade's transaction would just before COMMIT, without those the
        -- calling transaction held before.
        SELECT pg_catalog.count(*) INTO locks_held
        FROM pg_catalog.unnest(@extschema@._promscale_upgrade_held_locks()) AS h(tag)
        WHERE NOT (h.tag OPERATOR(pg_catalog.=) ANY (_held_before));
        duration := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) _started;
        SELECT pg_catalog.jsonb_object_agg(r.catalog, pg_catalog.jsonb_build_object(
                   'rows_written', r.written,
                   'net_change', r.total OPERATOR(pg_catalog.-) (_before OPERATOR(pg_catalog.->>) r.catalog)::pg_catalog.int8))
        INTO catalog_changes
        FROM @extschema@._promscale_upgrade_catalog_rows(_first_xid) AS r;
        succeeded := true;
        RAISE EXCEPTION 'rehearsal rolled back' USING ERRCODE = 'U0R01';
    EXCEPTION
        WHEN SQLSTATE 'U0R01' THEN
            rolled_back := true;
        WHEN OTHERS THEN
            -- The upgrade itself failed: that is the rehearsal's finding,
            -- with all the error says, and for dependent objects which ones.
            succeeded := false;
            GET STACKED DIAGNOSTICS _message = MESSAGE_TEXT, _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
            error := SQLSTATE OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) _message
                     OPERATOR(pg_catalog.||) CASE WHEN _detail OPERATOR(pg_catalog.<>) ''
                                                  THEN '. ' OPERATOR(pg_catalog.||) _detail ELSE '' END
                     OPERATOR(pg_catalog.||) CASE WHEN _hint OPERATOR(pg_catalog.<>) ''
                                                  THEN ' Hint: ' OPERATOR(pg_catalog.||) _hint ELSE '' END;
            IF SQLSTATE OPERATOR(pg_catalog.=) '2BP01' AND pg_catalog.cardinality(_blocking) OPERATOR(pg_catalog.>) 0 THEN
                error := error OPERATOR(pg_catalog.||) ' Objects that depend on prom_info.metric: '
                         OPERATOR(pg_catalog.||) pg_catalog.array_to_string(_blocking, ', ') OPERATOR(pg_catalog.||) '.';
            END IF;
            duration := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) _started;
            rolled_back := true;
    END;
    -- What the statements left in Promscale's sequences (read after the
    -- rollback: sequence values survive it), then put back only those that
    -- still hold it, each with one statement: a sequence that moved on
    -- since is someone else's value now, and stays.
    sequences_reset := 0;
    FOR _seq IN SELECT e.key AS name, (e.value OPERATOR(pg_catalog.->>) 0)::pg_catalog.int8 AS last_value,
                       (e.value OPERATOR(pg_catalog.->>) 1)::pg_catalog.bool AS is_called
                FROM pg_catalog.jsonb_each(_sequences) AS e LOOP
        EXECUTE pg_catalog.format('SELECT last_value, is_called FROM %s', _seq.name) INTO _value, _called;
        IF _value OPERATOR(pg_catalog.<>) _seq.last_value OR _called OPERATOR(pg_catalog.<>) _seq.is_called THEN
            EXECUTE pg_catalog.format(
                'SELECT pg_catalog.setval(%L::pg_catalog.regclass, %L::pg_catalog.int8, %L::pg_catalog.bool) FROM %s
                 WHERE last_value OPERATOR(pg_catalog.=) %L::pg_catalog.int8 AND is_called OPERATOR(pg_catalog.=) %L::pg_catalog.bool',
                _seq.name, _seq.last_value, _seq.is_called, _seq.name, _value, _called);
            GET DIAGNOSTICS _value = ROW_COUNT;
            sequences_reset := sequences_reset OPERATOR(pg_catalog.+) _value::pg_catalog.int4;
        END IF;
    END LOOP;
    estimate_ratio := CASE WHEN locks_held OPERATOR(pg_catalog.>) 0
                           THEN pg_catalog.round(locks_estimated::pg_catalog.numeric OPERATOR(pg_catalog./) locks_held, 3) END;
    -- The measurement outlives the rollback: later estimates learn from it,
    -- and promscale_upgrade_rehearsal_export() carries it to production.
    INSERT INTO promscale_upgrade_guard.rehearsal_log
        (measured_at, path, from_version, to_version, succeeded, locks_estimated, locks_counted, locks_held, role_name,
         duration, error, server_version_num, relations, metrics, guard_version, database_name)
    VALUES (_started, _path, _from_version, _to_version, succeeded, locks_estimated, _locks_counted, locks_held,
            CURRENT_USER, duration, error,
            pg_catalog.current_setting('server_version_num')::pg_catalog.int4, _relations, _metrics, _guard_version,
            pg_catalog.current_database());
    RETURN NEXT;
END
$rehearse$;

COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearse(pg_catalog.text) IS
'Superuser only, for a restored copy or staging: runs the statements the Promscale Connector would run for this database (takeover or update) inside a subtransaction, records the distinct lock entries it took (not those the calling transaction already held), the duration and the catalog rows written, then rolls everything back and puts back the Promscale sequences the statements advanced (sequence changes survive a rollback) unless they moved on since. Other sequences are never read or changed. The measurement (locks, duration, error, catalog size) is kept in promscale_upgrade_guard.rehearsal_log: later lock estimates of the same path never fall below it, the lock estimate''s expected_duration and the rehearsed check come from it, and promscale_upgrade_rehearsal_export() carries it to production. Refuses while connectors are connected. Holds the upgrade''s locks while it runs.';
COMMENT ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(pg_catalog.text) IS
'Internal to promscale_upgrade_rehearse(): the refusals and the statements to run.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearse(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(pg_catalog.text) FROM PUBLIC;

-- The lock estimate gains expected_duration.
DROP FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text);
CREATE  FUNCTION "promscale_upgrade_lock_estimate"(
	"target" TEXT DEFAULT NULL /* Option < LossyText > */
) RETURNS TABLE (
	"target_release" TEXT,  /* String */
	"path" TEXT,  /* String */
	"locks_needed" bigint,  /* i64 */
	"lock_capacity" bigint,  /* i64 */
	"locks_in_use" bigint,  /* i64 */
	"locks_available" bigint,  /* i64 */
	"fits" bool,  /* bool */
	"fit" TEXT,  /* String */
	"margin_percent" INT,  /* i32 */
	"recommended_max_locks_per_transaction" INT,  /* i32 */
	"current_max_locks_per_transaction" INT,  /* i32 */
	"alter_system" TEXT,  /* Option < String > */
	"restart_note" TEXT,  /* String */
	"capacity_formula" TEXT,  /* String */
	"breakdown" jsonb,  /* pgrx :: JsonB */
	"published_formula_max_locks_per_transaction" INT,  /* i32 */
	"published_formula_locks" bigint,  /* i64 */
	"streaming_standbys" INT,  /* i32 */
	"expected_duration" interval  /* Option < Interval > */
)
STABLE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'promscale_upgrade_lock_estimate_wrapper';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) IS
'The lock-table entries a Promscale upgrade to the given release will hold in its one transaction (locks_needed, with a breakdown by object class counted in the catalog), against the server''s lock table (lock_capacity from MaxBackends, max_locks_per_transaction and max_prepared_transactions, minus locks_in_use by other sessions); the recommended max_locks_per_transaction with the safety margin of promscale_upgrade_guard.lock_margin_percent, and the published formula''s answer for comparison; expected_duration: how long the upgrade should take here, from the newest successful rehearsal of the same path (run here or imported from a restored copy) scaled by the relation counts, NULL without one.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_lock_estimate(pg_catalog.text) TO pg_monitor;

-- The progress gains expected_duration and eta_basis.
DROP FUNCTION @extschema@.promscale_upgrade_progress();
CREATE  FUNCTION "promscale_upgrade_progress"() RETURNS TABLE (
	"pid" INT,  /* i32 */
	"role_name" TEXT,  /* Option < String > */
	"application_name" TEXT,  /* String */
	"client_addr" TEXT,  /* Option < String > */
	"command" TEXT,  /* Option < String > */
	"started_at" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"elapsed" interval,  /* Interval */
	"locks_held" bigint,  /* i64 */
	"locks_estimated" bigint,  /* Option < i64 > */
	"progress_percent" INT,  /* Option < i32 > */
	"eta" interval,  /* Option < Interval > */
	"waiting_on" TEXT,  /* Option < String > */
	"blocked_by" INT[],  /* Vec < i32 > */
	"blockers" jsonb,  /* pgrx :: JsonB */
	"lock_table_used" bigint,  /* i64 */
	"lock_table_capacity" bigint,  /* i64 */
	"projected_peak" bigint,  /* Option < i64 > */
	"will_fit" bool,  /* Option < bool > */
	"expected_duration" interval,  /* Option < Interval > */
	"eta_basis" TEXT  /* Option < String > */
)
STRICT VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'promscale_upgrade_progress_wrapper';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_progress() IS
'The Promscale upgrade running now in another session (one row; none when none runs), for psql''s \watch and dashboards: who runs it, since when, the lock entries held (the most this session has seen) against the estimate made when it started (progress_percent, at most 99 until commit; eta, the time left: from a rehearsal of the same path while the upgrade has run less than its expected_duration, else from the rate so far, eta_basis saying which), what it waits on and who blocks it (blocked_by, blockers with their queries), and whether its peak fits the lock table. Reads only lock and activity views: it never waits on the upgrade''s locks.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_progress() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_progress() TO pg_monitor;

-- Carrying a rehearsal.
CREATE  FUNCTION "promscale_upgrade_rehearsal_export"(
	"target" TEXT DEFAULT NULL /* Option < LossyText > */
) RETURNS jsonb /* pgrx :: JsonB */
STABLE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'promscale_upgrade_rehearsal_export_wrapper';

CREATE  FUNCTION "promscale_upgrade_rehearsal_import"(
	"rehearsal" jsonb, /* Option < pgrx :: JsonB > */
	"target" TEXT DEFAULT NULL /* Option < LossyText > */
) RETURNS TABLE (
	"stored" bool,  /* bool */
	"path" TEXT,  /* String */
	"from_version" TEXT,  /* Option < String > */
	"to_version" TEXT,  /* String */
	"measured_at" timestamp with time zone,  /* TimestampWithTimeZone */
	"from_smaller_catalog" bool,  /* bool */
	"note" TEXT  /* String */
)
VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'promscale_upgrade_rehearsal_import_wrapper';

COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) IS
'On a restored copy, after promscale_upgrade_rehearse(): the newest rehearsal of the upgrade to the given release (NULL: the implied release) as a jsonb record (format "promscale_upgrade_guard rehearsal", version 1) to store on production with promscale_upgrade_rehearsal_import(): path and versions, PostgreSQL version, relation and metric counts, locks held and estimated, duration, whether it succeeded and its error, when, where and by which guard version.';
COMMENT ON FUNCTION @extschema@.promscale_upgrade_rehearsal_import(pg_catalog.jsonb, pg_catalog.text) IS
'Superuser only: checks a record of promscale_upgrade_rehearsal_export() (run on a restored copy) and stores it in promscale_upgrade_guard.rehearsal_log with origin imported, where the lock estimate, its expected_duration and the rehearsed check use it. A malformed record, or one of another path or target than this database''s upgrade, is refused (SQLSTATE 22023) and nothing is stored; one from a much smaller catalog is stored but flagged, with a WARNING; one already stored is not stored again.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.promscale_upgrade_rehearsal_export(pg_catalog.text) TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearsal_import(pg_catalog.jsonb, pg_catalog.text) FROM PUBLIC;
