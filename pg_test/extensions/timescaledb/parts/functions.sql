-- Functions (re)created by every install and update script of the stand-in.

CREATE OR REPLACE FUNCTION _timescaledb_internal.restart_background_workers()
RETURNS boolean LANGUAGE sql AS $f$ SELECT true $f$;  -- no workers in the stand-in

CREATE OR REPLACE FUNCTION public.timescaledb_standin_version() RETURNS text
LANGUAGE sql IMMUTABLE AS $f$ SELECT '@VERSION@'::text $f$;

-- Create chunk number n (1-based) of a hypertable: an inheritance child in
-- _timescaledb_internal named _hyper_<htid>_<chunkid>_chunk, with a CHECK
-- constraint on the time range, copies of the parent's indexes, the parent's
-- owner, and a row in _timescaledb_catalog.chunk. Returns the chunk's regclass.
CREATE OR REPLACE FUNCTION _timescaledb_internal.standin_create_chunk(ht_id integer, slot integer)
RETURNS regclass LANGUAGE plpgsql AS $f$
DECLARE
    _ht record; _dim record; _chunk_id integer; _chunk name;
    _start timestamptz; _end timestamptz; _idx record; _owner name; _def text;
BEGIN
    SELECT * INTO STRICT _ht FROM _timescaledb_catalog.hypertable WHERE id = ht_id;
    SELECT * INTO STRICT _dim FROM _timescaledb_catalog.dimension WHERE hypertable_id = ht_id ORDER BY id LIMIT 1;
    _chunk_id := nextval('_timescaledb_catalog.chunk_id_seq');
    _chunk := format('%s_%s_chunk', _ht.associated_table_prefix, _chunk_id);
    _start := timestamptz '2023-01-01 00:00:00+00' + (slot - 1) * make_interval(secs => _dim.interval_length / 1000000.0);
    _end := _start + make_interval(secs => _dim.interval_length / 1000000.0);
    EXECUTE format('CREATE TABLE %I.%I (CONSTRAINT %I CHECK (%I >= %L::timestamptz AND %I < %L::timestamptz)) INHERITS (%I.%I)',
        _ht.associated_schema_name, _chunk, 'constraint_' || _chunk_id,
        _dim.column_name, _start, _dim.column_name, _end, _ht.schema_name, _ht.table_name);
    FOR _idx IN
        SELECT ic.relname AS idxname, pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = format('%I.%I', _ht.schema_name, _ht.table_name)::regclass
        ORDER BY ic.relname
    LOOP
        _def := regexp_replace(_idx.def, '^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ USING',
                  format('CREATE \1INDEX %s ON %I.%I USING',
                         quote_ident(_chunk || '_' || _idx.idxname), _ht.associated_schema_name, _chunk));
        EXECUTE _def;
    END LOOP;
    SELECT r.rolname INTO STRICT _owner FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
    WHERE c.oid = format('%I.%I', _ht.schema_name, _ht.table_name)::regclass;
    IF _owner <> current_user THEN
        EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', _ht.associated_schema_name, _chunk, _owner);
    END IF;
    INSERT INTO _timescaledb_catalog.chunk (id, hypertable_id, schema_name, table_name)
    VALUES (_chunk_id, ht_id, _ht.associated_schema_name, _chunk);
    RETURN format('%I.%I', _ht.associated_schema_name, _chunk)::regclass;
END
$f$;

-- STAND-IN SIGNATURE (the real one has many more parameters, e.g.
-- chunk_time_interval, if_not_exists, migrate_data): registers `relation` as a
-- hypertable on time_column_name (8 hour chunk interval, or the value of the
-- setting timescaledb_standin.chunk_interval) and creates `chunks` chunks
-- right away (real TimescaleDB creates chunks on insert; the stand-in makes
-- them up front so that fixtures need no data). Returns like the real one.
CREATE OR REPLACE FUNCTION public.create_hypertable(relation regclass, time_column_name name, chunks integer DEFAULT 1)
RETURNS TABLE (hypertable_id integer, schema_name name, table_name name, created boolean)
LANGUAGE plpgsql AS $f$
DECLARE _schema name; _table name; _id integer; _ivl interval;
BEGIN
    SELECT n.nspname, c.relname INTO STRICT _schema, _table
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = relation;
    IF EXISTS (SELECT 1 FROM _timescaledb_catalog.hypertable h WHERE h.schema_name = _schema AND h.table_name = _table) THEN
        RAISE EXCEPTION 'table "%" is already a hypertable', _table USING ERRCODE = 'TS110';
    END IF;
    _ivl := coalesce(nullif(current_setting('timescaledb_standin.chunk_interval', true), ''), '8 hours')::interval;
    _id := nextval('_timescaledb_catalog.hypertable_id_seq');
    INSERT INTO _timescaledb_catalog.hypertable (id, schema_name, table_name, associated_schema_name,
        associated_table_prefix, num_dimensions, chunk_sizing_func_schema, chunk_sizing_func_name, chunk_target_size)
    VALUES (_id, _schema, _table, '_timescaledb_internal', '_hyper_' || _id, 1,
            '_timescaledb_internal', 'calculate_chunk_interval', 0);
    INSERT INTO _timescaledb_catalog.dimension (hypertable_id, column_name, column_type, aligned, interval_length)
    SELECT _id, time_column_name, a.atttypid::regtype, true, (extract(epoch FROM _ivl) * 1000000)::bigint
    FROM pg_attribute a WHERE a.attrelid = relation AND a.attname = time_column_name AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" does not exist', time_column_name USING ERRCODE = 'undefined_column';
    END IF;
    PERFORM _timescaledb_internal.standin_create_chunk(_id, s) FROM generate_series(1, coalesce(chunks, 0)) s;
    RETURN QUERY SELECT _id, _schema, _table, true;
END
$f$;

-- Helper (stand-in only): add `chunks` more chunks after the existing ones.
CREATE OR REPLACE FUNCTION public.standin_add_chunks(relation regclass, chunks integer)
RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE _id integer; _have integer;
BEGIN
    SELECT h.id INTO STRICT _id FROM _timescaledb_catalog.hypertable h
    JOIN pg_namespace n ON n.nspname = h.schema_name
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = h.table_name
    WHERE c.oid = relation;
    SELECT count(*) INTO _have FROM _timescaledb_catalog.chunk WHERE hypertable_id = _id;
    PERFORM _timescaledb_internal.standin_create_chunk(_id, _have + s) FROM generate_series(1, chunks) s;
    RETURN _have + chunks;
END
$f$;

CREATE OR REPLACE FUNCTION public.show_chunks(relation regclass)
RETURNS SETOF regclass LANGUAGE sql STABLE AS $f$
    SELECT format('%I.%I', c.schema_name, c.table_name)::regclass
    FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
    JOIN pg_namespace n ON n.nspname = h.schema_name
    JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = h.table_name
    WHERE r.oid = relation AND NOT c.dropped ORDER BY c.id
$f$;

-- Emulation of TimescaleDB's ALTER TABLE propagation: after any ALTER TABLE
-- on a hypertable, chunks whose owner differs from the hypertable's get
-- ALTER TABLE ... OWNER TO (the real extension does this in its
-- ProcessUtility hook for ALTER TABLE ... OWNER TO). Each chunk is thus
-- locked by the OWNER TO of its hypertable, as in the real one.
CREATE OR REPLACE FUNCTION _timescaledb_internal.standin_process_alter_table()
RETURNS event_trigger LANGUAGE plpgsql AS $f$
DECLARE _cmd record; _chunk record;
BEGIN
    FOR _cmd IN SELECT DISTINCT objid FROM pg_event_trigger_ddl_commands()
                WHERE object_type = 'table' AND schema_name <> '_timescaledb_internal'
    LOOP
        FOR _chunk IN
            SELECT c.schema_name, c.table_name, p.relowner::regrole AS owner
            FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace
            JOIN _timescaledb_catalog.hypertable h ON h.schema_name = pn.nspname AND h.table_name = p.relname
            JOIN _timescaledb_catalog.chunk c ON c.hypertable_id = h.id
            JOIN pg_namespace cn ON cn.nspname = c.schema_name
            JOIN pg_class cc ON cc.relnamespace = cn.oid AND cc.relname = c.table_name
            WHERE p.oid = _cmd.objid AND cc.relowner <> p.relowner
        LOOP
            EXECUTE format('ALTER TABLE %I.%I OWNER TO %s', _chunk.schema_name, _chunk.table_name, _chunk.owner);
        END LOOP;
    END LOOP;
END
$f$;

-- Emulation of the catalog clean-up on DROP TABLE of hypertables and chunks.
-- As the catalog's owner, like TimescaleDB's C code (which switches to the
-- catalog owner to write its catalog): a role that may drop a hypertable
-- need not be able to write _timescaledb_catalog.
CREATE OR REPLACE FUNCTION _timescaledb_internal.standin_process_ddl_drop()
RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    DELETE FROM _timescaledb_catalog.chunk c USING pg_event_trigger_dropped_objects() d
    WHERE d.object_type = 'table' AND c.schema_name = d.schema_name AND c.table_name = d.object_name;
    DELETE FROM _timescaledb_catalog.chunk c USING _timescaledb_catalog.hypertable h, pg_event_trigger_dropped_objects() d
    WHERE d.object_type = 'table' AND h.schema_name = d.schema_name AND h.table_name = d.object_name
      AND c.hypertable_id = h.id;
    DELETE FROM _timescaledb_catalog.hypertable h USING pg_event_trigger_dropped_objects() d
    WHERE d.object_type = 'table' AND h.schema_name = d.schema_name AND h.table_name = d.object_name;
END
$f$;
