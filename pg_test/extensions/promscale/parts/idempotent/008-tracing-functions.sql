-- Tracing ingest helpers and maintenance entry points.
CREATE OR REPLACE FUNCTION ps_trace.span_tag_type() RETURNS ps_trace.tag_type
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT (1 << 0)::smallint::ps_trace.tag_type $f$;
CREATE OR REPLACE FUNCTION ps_trace.resource_tag_type() RETURNS ps_trace.tag_type
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT (1 << 1)::smallint::ps_trace.tag_type $f$;
CREATE OR REPLACE FUNCTION ps_trace.event_tag_type() RETURNS ps_trace.tag_type
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT (1 << 2)::smallint::ps_trace.tag_type $f$;
CREATE OR REPLACE FUNCTION ps_trace.link_tag_type() RETURNS ps_trace.tag_type
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT (1 << 3)::smallint::ps_trace.tag_type $f$;
CREATE OR REPLACE FUNCTION ps_trace.is_span_tag_type(_tag_type ps_trace.tag_type) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT _tag_type & ps_trace.span_tag_type() = ps_trace.span_tag_type() $f$;
CREATE OR REPLACE FUNCTION ps_trace.is_resource_tag_type(_tag_type ps_trace.tag_type) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT _tag_type & ps_trace.resource_tag_type() = ps_trace.resource_tag_type() $f$;
CREATE OR REPLACE FUNCTION ps_trace.is_event_tag_type(_tag_type ps_trace.tag_type) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT _tag_type & ps_trace.event_tag_type() = ps_trace.event_tag_type() $f$;
CREATE OR REPLACE FUNCTION ps_trace.is_link_tag_type(_tag_type ps_trace.tag_type) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT _tag_type & ps_trace.link_tag_type() = ps_trace.link_tag_type() $f$;

CREATE OR REPLACE FUNCTION ps_trace.put_tag_key(_key ps_trace.tag_k, _tag_type ps_trace.tag_type) RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _ps_trace.tag_key (tag_type, key) VALUES (_tag_type, _key)
    ON CONFLICT (key) DO UPDATE SET tag_type = _ps_trace.tag_key.tag_type | excluded.tag_type RETURNING id $f$;

-- @until 0.5.0
CREATE OR REPLACE FUNCTION ps_trace.put_tag(_key ps_trace.tag_k, _value ps_trace.tag_v, _tag_type ps_trace.tag_type) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _id bigint;
BEGIN
    SELECT t.id INTO _id FROM _ps_trace.tag t WHERE t.key = _key AND t.value::jsonb = _value::jsonb;
    IF NOT FOUND THEN
        INSERT INTO _ps_trace.tag (tag_type, key_id, key, value)
        SELECT _tag_type, k.id, _key, _value FROM _ps_trace.tag_key k WHERE k.key = _key RETURNING id INTO _id;
    END IF;
    RETURN _id;
END
$f$;
-- @end
-- @since 0.5.0
CREATE OR REPLACE FUNCTION ps_trace.put_tag(_key ps_trace.tag_k, _value jsonb, _tag_type ps_trace.tag_type) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _id bigint;
BEGIN
    SELECT t.id INTO _id FROM _ps_trace.tag t
    WHERE t.key = _key AND _prom_ext.jsonb_digest(t.value) = _prom_ext.jsonb_digest(_value);
    IF NOT FOUND THEN
        INSERT INTO _ps_trace.tag (tag_type, key_id, key, value)
        SELECT _tag_type, k.id, _key, _value::_ps_trace.tag_v FROM _ps_trace.tag_key k WHERE k.key = _key RETURNING id INTO _id;
    END IF;
    RETURN _id;
END
$f$;
-- @end

CREATE OR REPLACE FUNCTION ps_trace.put_operation(_service_name text, _span_name text, _span_kind ps_trace.span_kind) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$
DECLARE _service_id bigint; _id bigint;
BEGIN
    _service_id := ps_trace.put_tag('service.name', to_jsonb(_service_name), ps_trace.resource_tag_type());
    SELECT o.id INTO _id FROM _ps_trace.operation o
    WHERE o.service_name_id = _service_id AND o.span_name = _span_name AND o.span_kind = _span_kind;
    IF NOT FOUND THEN
        INSERT INTO _ps_trace.operation (service_name_id, span_kind, span_name)
        VALUES (_service_id, _span_kind, _span_name) RETURNING id INTO _id;
    END IF;
    RETURN _id;
END
$f$;

CREATE OR REPLACE FUNCTION ps_trace.put_schema_url(_schema_url text) RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _ps_trace.schema_url (url) VALUES (_schema_url)
    ON CONFLICT (url) DO UPDATE SET url = excluded.url RETURNING id $f$;

CREATE OR REPLACE FUNCTION ps_trace.put_instrumentation_lib(_name text, _version text, _schema_url_id bigint) RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _ps_trace.instrumentation_lib (name, version, schema_url_id) VALUES (_name, _version, _schema_url_id)
    ON CONFLICT (name, version, schema_url_id) DO UPDATE SET name = excluded.name RETURNING id $f$;

CREATE OR REPLACE FUNCTION ps_trace.get_trace_retention_period() RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT _prom_catalog.get_default_value('trace_retention_period')::interval $f$;
CREATE OR REPLACE FUNCTION ps_trace.set_trace_retention_period(_trace_retention_period interval) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ INSERT INTO _prom_catalog."default"(key, value) VALUES ('trace_retention_period', _trace_retention_period::text)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING true $f$;

-- Refuses while a connector runs (it holds the migration advisory lock shared).
CREATE OR REPLACE FUNCTION ps_trace.delete_all_traces() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$
BEGIN
-- @since 0.6.0
    IF NOT pg_try_advisory_xact_lock(5585198506344173278) THEN
        RAISE EXCEPTION 'Unable to delete all traces while a Promscale connector is running';
    END IF;
-- @end
    TRUNCATE _ps_trace.link, _ps_trace.event, _ps_trace.span;
    TRUNCATE _ps_trace.operation, _ps_trace.instrumentation_lib, _ps_trace.schema_url CASCADE;
    DELETE FROM _ps_trace.tag;
    DELETE FROM _ps_trace.tag_key WHERE id >= 1000;
END
$f$;
