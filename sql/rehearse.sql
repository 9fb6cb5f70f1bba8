-- promscale_upgrade_rehearse(): runs the connector's statements for this
-- database inside an exception block (a subtransaction), measures, and then
-- raises a private error so that the block rolls everything back. The
-- database is left as it was; the locks are released with the subtransaction.
-- Every name is qualified and the search_path pinned: it runs as a
-- superuser.
-- Rows of the catalogs an extension script writes: in total, and written by
-- transactions after the given one (32-bit xid arithmetic, as xmin is).
CREATE FUNCTION @extschema@._promscale_upgrade_catalog_rows(written_after_xid pg_catalog.int8)
RETURNS TABLE (catalog pg_catalog.text, total pg_catalog.int8, written pg_catalog.int8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $rows$
    SELECT c.catalog, c.total, c.written FROM (
        SELECT 'pg_class' AS catalog, pg_catalog.count(*) AS total,
               pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) AS written
        FROM pg_catalog.pg_class x
        UNION ALL SELECT 'pg_proc', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_proc x
        UNION ALL SELECT 'pg_type', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_type x
        UNION ALL SELECT 'pg_constraint', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_constraint x
        UNION ALL SELECT 'pg_trigger', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_trigger x
        UNION ALL SELECT 'pg_operator', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_operator x
        UNION ALL SELECT 'pg_namespace', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_namespace x
        UNION ALL SELECT 'pg_depend', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE x.xmin::pg_catalog.text::pg_catalog.int8 OPERATOR(pg_catalog.>) (written_after_xid OPERATOR(pg_catalog.%) 4294967296)) FROM pg_catalog.pg_depend x
    ) AS c
$rows$;

-- Promscale's own sequences: members of the promscale extension, or in one
-- of the schemas given (Promscale's, for a pre-0.11 schema that no
-- extension owns yet), never temporary. The rehearsal reads and restores
-- these and no other: an application's sequence is not its business, and
-- reading every sequence of the database would take a lock per sequence.
CREATE FUNCTION @extschema@._promscale_upgrade_sequences(schemas pg_catalog.text[])
RETURNS SETOF pg_catalog.regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $sequences$
    SELECT c.oid::pg_catalog.regclass
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE c.relkind OPERATOR(pg_catalog.=) 'S' AND c.relpersistence OPERATOR(pg_catalog.<>) 't'
      AND (n.nspname OPERATOR(pg_catalog.=) ANY (schemas)
           OR EXISTS (SELECT FROM pg_catalog.pg_depend d
                      JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
                      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND d.objid OPERATOR(pg_catalog.=) c.oid
                        AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                        AND d.deptype OPERATOR(pg_catalog.=) 'e'
                        AND e.extname OPERATOR(pg_catalog.=) 'promscale'))
    ORDER BY c.oid
$sequences$;

-- The lock tags this backend holds (as held_locks.sql and end_state.sql
-- write them): taken before the rehearsal runs, so that what the calling
-- transaction already held is not counted as the upgrade's.
CREATE FUNCTION @extschema@._promscale_upgrade_held_locks()
RETURNS pg_catalog.text[]
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $held$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT ROW(x.locktype, x.database, x.relation, x.page, x.tuple,
                                                      x.classid, x.objid, x.objsubid)::pg_catalog.text),
                    '{}'::pg_catalog.text[])
    FROM pg_catalog.pg_locks x
    WHERE x.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND x.granted
      AND x.locktype OPERATOR(pg_catalog.<>) ALL (ARRAY['virtualxid', 'transactionid']::pg_catalog.text[])
$held$;

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
COMMENT ON FUNCTION @extschema@._promscale_upgrade_catalog_rows(pg_catalog.int8) IS
'Internal to promscale_upgrade_rehearse(): rows of the catalogs an extension script writes, in total and written after a transaction.';
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_catalog_rows(pg_catalog.int8) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@._promscale_upgrade_sequences(pg_catalog.text[]) IS
'Internal to promscale_upgrade_rehearse(): Promscale''s own sequences, the only ones a rehearsal reads and puts back.';
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_sequences(pg_catalog.text[]) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@._promscale_upgrade_held_locks() IS
'Internal to promscale_upgrade_rehearse(): the lock tags this backend holds, so that what was held before is not counted.';
REVOKE ALL ON FUNCTION @extschema@._promscale_upgrade_held_locks() FROM PUBLIC;
