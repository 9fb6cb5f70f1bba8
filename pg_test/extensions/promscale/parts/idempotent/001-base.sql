-- Base functions, re-created by every install and update (CREATE OR REPLACE).
-- The same file builds the connector-0.10 schema of the legacy fixture:
-- blocks between "-- @until 0.5.0" and "-- @end" exist only there, blocks
-- marked "-- @since X" only from extension version X on (gen.sh filters).

CREATE OR REPLACE FUNCTION _prom_catalog.is_timescaledb_installed() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT count(*) > 0 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb' $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_default_value(_key text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT value FROM _prom_catalog."default" d WHERE d.key = _key $f$;

-- @since 0.5.0
-- Settings still at their initial value are not stored (see 021).
CREATE OR REPLACE VIEW _prom_catalog.initial_default AS
SELECT * FROM (VALUES
    ('chunk_interval', (interval '8 hours')::text),
    ('retention_period', (90 * interval '1 day')::text),
    ('metric_compression', 'true'),
    ('trace_retention_period', (30 * interval '1 day')::text),
    ('ha_lease_timeout', '1m'),
    ('ha_lease_refresh', '10s'),
    ('epoch_duration', (interval '12 hours')::text)
) AS d(key, value);
GRANT SELECT ON _prom_catalog.initial_default TO prom_reader;

CREATE OR REPLACE FUNCTION _prom_catalog.get_default_value(_key text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce((SELECT value FROM _prom_catalog."default" d WHERE d.key = _key),
                    (SELECT value FROM _prom_catalog.initial_default i WHERE i.key = _key)) $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.is_restore_in_progress() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce((SELECT setting::boolean FROM pg_catalog.pg_settings WHERE name = 'timescaledb.restoring'), false) $f$;
-- @end

CREATE OR REPLACE FUNCTION _prom_catalog.get_default_chunk_interval() RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT _prom_catalog.get_default_value('chunk_interval')::interval $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_default_retention_period() RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT _prom_catalog.get_default_value('retention_period')::interval $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_default_compression_setting() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce(_prom_catalog.get_default_value('metric_compression')::boolean, true) $f$;

CREATE OR REPLACE FUNCTION prom_api.set_default_chunk_interval(chunk_interval interval) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _prom_catalog."default"(key, value) VALUES ('chunk_interval', chunk_interval::text)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING true $f$;

CREATE OR REPLACE FUNCTION prom_api.set_default_retention_period(retention_period interval) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _prom_catalog."default"(key, value) VALUES ('retention_period', retention_period::text)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING true $f$;

-- A table name derived from the metric name, unique and <= 63 bytes.
CREATE OR REPLACE FUNCTION _prom_catalog.pg_name_unique(full_name_arg text, suffix text) RETURNS name
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT CASE WHEN octet_length(full_name_arg) < 60 THEN full_name_arg::name
           ELSE (left(full_name_arg, 40) || '_' || suffix)::name END $f$;

-- Creates the per-metric objects when a row is inserted into
-- _prom_catalog.metric: the data table prom_data.<t> (unique index on
-- (series_id, time)), a hypertable when TimescaleDB is installed; the series
-- table prom_data_series.<t> (attached to _prom_catalog.series later, by
-- finalize_metric_creation()); the views prom_metric.<t> and prom_series.<t>.
-- Stand-in knob: setting promscale_standin.initial_chunks = chunks per new
-- metric (default 1; real TimescaleDB creates chunks when data arrives).
-- STAND-IN DIFFERENCE: the real function makes the views when the first series
-- arrives (with one column per label key); here they exist from the start.
-- @until 0.5.0
-- Connector 0.10: everything is owned by the owner of this function (the
-- role that ran the connector's migrations); the series table gets its GIN
-- and delete_epoch indexes from the parent's partitioned indexes on attach.
CREATE OR REPLACE FUNCTION _prom_catalog.make_metric_table() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE
    _chunks integer := coalesce(nullif(current_setting('promscale_standin.initial_chunks', true), '')::integer, 1);
    _label_id integer;
BEGIN
    IF NEW.is_view THEN
        RETURN NEW;
    END IF;
    EXECUTE format('CREATE TABLE %I.%I (time timestamptz NOT NULL, value double precision NOT NULL, series_id bigint NOT NULL) WITH (autovacuum_vacuum_threshold = 50000, autovacuum_analyze_threshold = 50000)',
                   NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT ON TABLE %I.%I TO prom_reader', NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT, INSERT ON TABLE %I.%I TO prom_writer', NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I.%I TO prom_modifier', NEW.table_schema, NEW.table_name);
    EXECUTE format('CREATE UNIQUE INDEX data_series_id_time_%s ON %I.%I (series_id, time) INCLUDE (value)', NEW.id, NEW.table_schema, NEW.table_name);
    IF _prom_catalog.is_timescaledb_installed() THEN
        PERFORM public.create_hypertable(format('%I.%I', NEW.table_schema, NEW.table_name)::regclass, 'time', _chunks);
    END IF;
    _label_id := _prom_catalog.get_or_create_label_id('__name__', NEW.metric_name);
    EXECUTE format($t$CREATE TABLE prom_data_series.%1$I (
            id bigint NOT NULL, metric_id integer NOT NULL, labels prom_api.label_array NOT NULL,
            delete_epoch bigint NULL DEFAULT NULL,
            CHECK (labels[1] = %2$L AND labels[1] IS NOT NULL), CHECK (metric_id = %3$L),
            CONSTRAINT series_labels_id_%3$s UNIQUE (labels) INCLUDE (id),
            CONSTRAINT series_pkey_%3$s PRIMARY KEY (id)
        ) WITH (autovacuum_vacuum_threshold = 100, autovacuum_analyze_threshold = 100)$t$,
        NEW.series_table, _label_id, NEW.id);
    EXECUTE format('GRANT SELECT ON TABLE prom_data_series.%I TO prom_reader', NEW.series_table);
    EXECUTE format('GRANT SELECT, INSERT ON TABLE prom_data_series.%I TO prom_writer', NEW.series_table);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE prom_data_series.%I TO prom_modifier', NEW.series_table);
    EXECUTE format('CREATE VIEW prom_series.%1$I AS SELECT s.id AS series_id, s.labels FROM prom_data_series.%1$I AS s WHERE s.delete_epoch IS NULL', NEW.series_table);
    EXECUTE format('CREATE VIEW prom_metric.%1$I AS SELECT data.time, data.value, data.series_id, series.labels FROM %2$I.%1$I AS data LEFT JOIN prom_data_series.%3$I AS series ON series.id = data.series_id',
                   NEW.table_name, NEW.table_schema, NEW.series_table);
    EXECUTE format('GRANT SELECT ON prom_series.%I, prom_metric.%I TO prom_reader', NEW.series_table, NEW.table_name);
    RETURN NEW;
END
$f$;
-- @end
-- @since 0.5.0
-- Extension: data and series tables and both views are owned by prom_admin
-- (they cannot be extension members: they must be dumped with their data);
-- the series table carries its own GIN and delete_epoch indexes.
CREATE OR REPLACE FUNCTION _prom_catalog.make_metric_table() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE
    _chunks integer := coalesce(nullif(current_setting('promscale_standin.initial_chunks', true), '')::integer, 1);
    _label_id integer;
BEGIN
    IF _prom_catalog.is_restore_in_progress() OR NEW.is_view THEN
        RETURN NEW;
    END IF;
    EXECUTE format('CREATE TABLE %I.%I (time timestamptz NOT NULL, value double precision NOT NULL, series_id bigint NOT NULL) WITH (autovacuum_vacuum_insert_threshold = 50000, autovacuum_vacuum_insert_scale_factor = 2.0, autovacuum_analyze_threshold = 50000, autovacuum_analyze_scale_factor = 0.5)',
                   NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT ON TABLE %I.%I TO prom_reader', NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT, INSERT ON TABLE %I.%I TO prom_writer', NEW.table_schema, NEW.table_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I.%I TO prom_modifier', NEW.table_schema, NEW.table_name);
    EXECUTE format('CREATE UNIQUE INDEX data_series_id_time_%s ON %I.%I (series_id, time) INCLUDE (value)', NEW.id, NEW.table_schema, NEW.table_name);
    EXECUTE format('ALTER TABLE %I.%I OWNER TO prom_admin', NEW.table_schema, NEW.table_name);
    IF _prom_catalog.is_timescaledb_installed() THEN
        PERFORM public.create_hypertable(format('%I.%I', NEW.table_schema, NEW.table_name)::regclass, 'time', _chunks);
    END IF;
    EXECUTE format('GRANT ALL PRIVILEGES ON TABLE %I.%I TO prom_admin', NEW.table_schema, NEW.table_name);
    _label_id := _prom_catalog.get_or_create_label_id('__name__', NEW.metric_name);
    EXECUTE format($t$CREATE TABLE prom_data_series.%1$I (
            id bigint NOT NULL, metric_id integer NOT NULL, labels prom_api.label_array NOT NULL,
            delete_epoch bigint NULL DEFAULT NULL,
            CHECK (labels[1] = %2$L AND labels[1] IS NOT NULL), CHECK (metric_id = %3$L),
            CONSTRAINT series_labels_id_%3$s UNIQUE (labels) INCLUDE (id),
            CONSTRAINT series_pkey_%3$s PRIMARY KEY (id)
        ) WITH (autovacuum_vacuum_threshold = 100, autovacuum_analyze_threshold = 100)$t$,
        NEW.series_table, _label_id, NEW.id);
    EXECUTE format('GRANT SELECT ON TABLE prom_data_series.%I TO prom_reader', NEW.series_table);
    EXECUTE format('GRANT SELECT, INSERT ON TABLE prom_data_series.%I TO prom_writer', NEW.series_table);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE prom_data_series.%I TO prom_modifier', NEW.series_table);
    EXECUTE format('CREATE INDEX series_labels_%s ON prom_data_series.%I USING gin (labels)', NEW.id, NEW.series_table);
    EXECUTE format('CREATE INDEX series_delete_epoch_id_%s ON prom_data_series.%I (delete_epoch, id) WHERE delete_epoch IS NOT NULL', NEW.id, NEW.series_table);
    EXECUTE format('ALTER TABLE prom_data_series.%I OWNER TO prom_admin', NEW.series_table);
    EXECUTE format('GRANT ALL PRIVILEGES ON TABLE prom_data_series.%I TO prom_admin', NEW.series_table);
    EXECUTE format('CREATE VIEW prom_series.%1$I AS SELECT s.id AS series_id, s.labels FROM prom_data_series.%1$I AS s WHERE s.delete_epoch IS NULL', NEW.series_table);
    EXECUTE format('CREATE VIEW prom_metric.%1$I AS SELECT data.time, data.value, data.series_id, series.labels FROM %2$I.%1$I AS data LEFT JOIN prom_data_series.%3$I AS series ON series.id = data.series_id',
                   NEW.table_name, NEW.table_schema, NEW.series_table);
    EXECUTE format('ALTER VIEW prom_series.%I OWNER TO prom_admin', NEW.series_table);
    EXECUTE format('ALTER VIEW prom_metric.%I OWNER TO prom_admin', NEW.table_name);
    EXECUTE format('GRANT SELECT ON prom_series.%I, prom_metric.%I TO prom_reader', NEW.series_table, NEW.table_name);
    RETURN NEW;
END
$f$;
-- @end
REVOKE ALL ON FUNCTION _prom_catalog.make_metric_table() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _prom_catalog.make_metric_table() TO prom_writer;
DROP TRIGGER IF EXISTS make_metric_table_trigger ON _prom_catalog.metric CASCADE;
CREATE TRIGGER make_metric_table_trigger AFTER INSERT ON _prom_catalog.metric
    FOR EACH ROW EXECUTE FUNCTION _prom_catalog.make_metric_table();

CREATE OR REPLACE FUNCTION _prom_catalog.attach_series_partition(metric_record _prom_catalog.metric) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$ BEGIN
    EXECUTE format('ALTER TABLE _prom_catalog.series ATTACH PARTITION prom_data_series.%I FOR VALUES IN (%L)',
                   metric_record.series_table, metric_record.id);
END $f$;
REVOKE ALL ON FUNCTION _prom_catalog.attach_series_partition(_prom_catalog.metric) FROM PUBLIC;

-- Second half of metric creation (run by the connector): attaching the series
-- table needs a strong lock on the series parent, so it happens here, one
-- metric per transaction, rather than in the latency-sensitive trigger.
CREATE OR REPLACE PROCEDURE _prom_catalog.finalize_metric_creation()
LANGUAGE plpgsql AS
$f$
DECLARE
    _m _prom_catalog.metric;
BEGIN
    SET LOCAL search_path = pg_catalog, pg_temp;
    FOR _m IN SELECT * FROM _prom_catalog.metric WHERE NOT creation_completed ORDER BY id LOOP
        UPDATE _prom_catalog.metric SET creation_completed = true WHERE id = _m.id AND NOT creation_completed;
        IF FOUND AND NOT _m.is_view THEN
            LOCK TABLE ONLY _prom_catalog.series IN SHARE UPDATE EXCLUSIVE MODE;
            PERFORM _prom_catalog.attach_series_partition(_m);
        END IF;
        COMMIT;
        SET LOCAL search_path = pg_catalog, pg_temp;
    END LOOP;
END
$f$;
GRANT EXECUTE ON PROCEDURE _prom_catalog.finalize_metric_creation() TO prom_writer;

CREATE OR REPLACE FUNCTION _prom_catalog.create_metric_table(metric_name_arg text, OUT id integer, OUT table_name name)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _id integer := nextval('_prom_catalog.metric_id_seq'); _name name;
BEGIN
    _name := _prom_catalog.pg_name_unique(metric_name_arg, _id::text);
    INSERT INTO _prom_catalog.metric (id, metric_name, table_name, series_table)
    VALUES (_id, metric_name_arg, _name, _name)
    ON CONFLICT DO NOTHING;
    SELECT m.id, m.table_name INTO STRICT id, table_name FROM _prom_catalog.metric m
    WHERE m.metric_name = metric_name_arg AND m.table_schema = 'prom_data';
END
$f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_metric_table_name_if_exists(schema text, metric_name text)
RETURNS TABLE (id integer, table_name name, table_schema name, series_table name, is_view boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT m.id, m.table_name, m.table_schema, m.series_table, m.is_view FROM _prom_catalog.metric m
    WHERE m.metric_name = get_metric_table_name_if_exists.metric_name
      AND m.table_schema = coalesce(nullif(schema, ''), 'prom_data') $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_metric_table_name(metric_name text, OUT id integer, OUT table_name name, OUT possibly_new boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$
BEGIN
    SELECT m.id, m.table_name, false INTO id, table_name, possibly_new FROM _prom_catalog.metric m
    WHERE m.metric_name = get_or_create_metric_table_name.metric_name AND m.table_schema = 'prom_data';
    IF NOT FOUND THEN
        SELECT c.id, c.table_name, true INTO id, table_name, possibly_new
        FROM _prom_catalog.create_metric_table(get_or_create_metric_table_name.metric_name) c;
    END IF;
END
$f$;

CREATE OR REPLACE FUNCTION _prom_catalog.create_exemplar_table_if_not_exists(metric_name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _table name;
BEGIN
    IF EXISTS (SELECT 1 FROM _prom_catalog.exemplar e WHERE e.metric_name = create_exemplar_table_if_not_exists.metric_name) THEN
        RETURN false;
    END IF;
    SELECT m.table_name INTO STRICT _table FROM _prom_catalog.metric m
    WHERE m.metric_name = create_exemplar_table_if_not_exists.metric_name AND m.table_schema = 'prom_data';
    INSERT INTO _prom_catalog.exemplar (metric_name, table_name) VALUES (create_exemplar_table_if_not_exists.metric_name, _table);
    EXECUTE format('CREATE TABLE prom_data_exemplar.%I (time timestamptz NOT NULL, series_id bigint NOT NULL, exemplar_label_values prom_api.label_value_array, value double precision NOT NULL)', _table);
    EXECUTE format('CREATE UNIQUE INDEX ON prom_data_exemplar.%I (series_id, time) INCLUDE (value)', _table);
    EXECUTE format('GRANT SELECT ON prom_data_exemplar.%I TO prom_reader', _table);
    EXECUTE format('GRANT SELECT, INSERT ON prom_data_exemplar.%I TO prom_writer', _table);
-- @since 0.5.0
    EXECUTE format('ALTER TABLE prom_data_exemplar.%I OWNER TO prom_admin', _table);
-- @end
    RETURN true;
END
$f$;

-- Refuses while a connector runs (it holds the migration advisory lock shared).
CREATE OR REPLACE FUNCTION prom_api.drop_metric(metric_name_to_be_dropped text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _m record;
BEGIN
    IF NOT pg_try_advisory_xact_lock(5585198506344173278) THEN
        RAISE EXCEPTION 'Unable to drop metric % while another connection holds _prom_catalog.metric lock', metric_name_to_be_dropped;
    END IF;
    SELECT * INTO STRICT _m FROM _prom_catalog.metric WHERE metric_name = metric_name_to_be_dropped AND table_schema = 'prom_data';
    EXECUTE format('DROP VIEW IF EXISTS prom_series.%I', _m.series_table);
    EXECUTE format('DROP VIEW IF EXISTS prom_metric.%I', _m.table_name);
    EXECUTE format('DROP TABLE IF EXISTS prom_data_series.%I', _m.series_table);
    EXECUTE format('DROP TABLE IF EXISTS prom_data_exemplar.%I', _m.table_name);
    EXECUTE format('DROP TABLE IF EXISTS prom_data.%I CASCADE', _m.table_name);
    DELETE FROM _prom_catalog.exemplar WHERE metric_name = metric_name_to_be_dropped;
    DELETE FROM _prom_catalog.metric WHERE id = _m.id;
END
$f$;

CREATE OR REPLACE FUNCTION prom_api.is_stale_marker(value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT float8send(value) = '\x7ff0000000000002' $f$;

CREATE OR REPLACE FUNCTION prom_api.is_normal_nan(value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT float8send(value) = '\x7ff8000000000001' $f$;

CREATE OR REPLACE FUNCTION prom_api.labels(series_id bigint) RETURNS prom_api.label_array
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT s.labels FROM _prom_catalog.series s WHERE s.id = series_id $f$;

CREATE OR REPLACE FUNCTION prom_api.val(label_id integer) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT l.value FROM _prom_catalog.label l WHERE l.id = label_id $f$;

CREATE OR REPLACE FUNCTION prom_api.label_cardinality(label_id integer) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT count(*)::integer FROM _prom_catalog.series s WHERE s.labels @> ARRAY[label_id] $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_id(key_name text, value_name text) RETURNS integer
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _prom_catalog.label (key, value) VALUES (key_name, value_name)
    ON CONFLICT (key, value) DO UPDATE SET key = excluded.key RETURNING id $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.label_find_key_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_positive LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce(array_agg(l.id), '{}')::prom_api.matcher_positive FROM _prom_catalog.label l
    WHERE l.key = key_to_match AND l.value = pat $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_find_key_not_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_negative LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce(array_agg(l.id), '{}')::prom_api.matcher_negative FROM _prom_catalog.label l
    WHERE l.key = key_to_match AND l.value = pat $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_find_key_regex(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_positive LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce(array_agg(l.id), '{}')::prom_api.matcher_positive FROM _prom_catalog.label l
    WHERE l.key = key_to_match AND l.value ~ pat $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_find_key_not_regex(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_negative LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT coalesce(array_agg(l.id), '{}')::prom_api.matcher_negative FROM _prom_catalog.label l
    WHERE l.key = key_to_match AND l.value ~ pat $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.lock_metric_for_maintenance(metric_id integer, wait boolean = true) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ BEGIN
    IF wait THEN PERFORM pg_advisory_lock(12377, metric_id); RETURN true; END IF;
    RETURN pg_try_advisory_lock(12377, metric_id);
END $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.unlock_metric_for_maintenance(metric_id integer) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT pg_advisory_unlock(12377, metric_id); SELECT $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.insert_metric_metadatas(t timestamptz[], metric_family_name text[], metric_type text[], metric_unit text[], metric_help text[])
RETURNS bigint LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ WITH ins AS (
        INSERT INTO _prom_catalog.metadata (last_seen, metric_family, type, unit, help)
        SELECT * FROM unnest(t, metric_family_name, metric_type, metric_unit, metric_help)
        ON CONFLICT (metric_family, type, help, unit) DO UPDATE SET last_seen = excluded.last_seen
        RETURNING 1)
    SELECT count(*) FROM ins $f$;

CREATE OR REPLACE FUNCTION _prom_catalog.ha_leases_audit_fn() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS
$f$ BEGIN
    INSERT INTO _prom_catalog.ha_leases_logs (cluster_name, leader_name, lease_start, lease_until)
    VALUES (NEW.cluster_name, NEW.leader_name, NEW.lease_start, NEW.lease_until)
    ON CONFLICT (cluster_name, leader_name, lease_start) DO UPDATE SET lease_until = excluded.lease_until;
    RETURN NEW;
END $f$;
DROP TRIGGER IF EXISTS ha_leases_audit ON _prom_catalog.ha_leases;
CREATE TRIGGER ha_leases_audit AFTER INSERT OR UPDATE ON _prom_catalog.ha_leases
    FOR EACH ROW EXECUTE FUNCTION _prom_catalog.ha_leases_audit_fn();
