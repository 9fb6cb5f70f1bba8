-- promscale_upgrade_rehearse(): runs the connector's statements for this
-- database inside an exception block (a subtransaction), measures, and then
-- raises a private error so that the block rolls everything back. The
-- database is left as it was; the locks are released with the subtransaction.
-- Rows of the catalogs an extension script writes: in total, and written by
-- transactions after the given one (32-bit xid arithmetic, as xmin is).
CREATE FUNCTION @extschema@._promscale_upgrade_catalog_rows(written_after_xid bigint)
RETURNS TABLE (catalog text, total bigint, written bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $rows$
    SELECT c.catalog, c.total, c.written FROM (
        SELECT 'pg_class' AS catalog, count(*) AS total,
               count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) AS written FROM pg_class
        UNION ALL SELECT 'pg_proc', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_proc
        UNION ALL SELECT 'pg_type', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_type
        UNION ALL SELECT 'pg_constraint', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_constraint
        UNION ALL SELECT 'pg_trigger', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_trigger
        UNION ALL SELECT 'pg_operator', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_operator
        UNION ALL SELECT 'pg_namespace', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_namespace
        UNION ALL SELECT 'pg_depend', count(*), count(*) FILTER (WHERE xmin::text::bigint > written_after_xid % 4294967296) FROM pg_depend
    ) AS c
$rows$;

CREATE FUNCTION @extschema@.promscale_upgrade_rehearse(target text DEFAULT NULL)
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
COMMENT ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(text) IS
'Internal to promscale_upgrade_rehearse(): the refusals and the statements to run.';
REVOKE ALL ON FUNCTION @extschema@.promscale_upgrade_rehearse(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_rehearsal_plan(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@._promscale_upgrade_catalog_rows(bigint) IS
'Internal to promscale_upgrade_rehearse(): rows of the catalogs an extension script writes, in total and written after a transaction.';
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_catalog_rows(bigint) FROM PUBLIC;
