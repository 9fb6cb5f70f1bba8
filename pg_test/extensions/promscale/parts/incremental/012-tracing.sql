-- Tracing schema as connector 0.10 left it (the pre-0.11 design).
CREATE TYPE ps_trace.span_kind AS ENUM ('SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER',
    'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER');
CREATE TYPE ps_trace.status_code AS ENUM ('STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR');
CREATE DOMAIN ps_trace.trace_id AS uuid NOT NULL CHECK (VALUE != '00000000-0000-0000-0000-000000000000');
CREATE DOMAIN ps_trace.tag_k AS text NOT NULL CHECK (VALUE != '');
CREATE DOMAIN ps_trace.tag_v AS jsonb NOT NULL;
CREATE DOMAIN ps_trace.tag_map AS jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN ps_trace.tag_type AS smallint NOT NULL;
CREATE TABLE _ps_trace.tag_key (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag_type ps_trace.tag_type NOT NULL,
    key ps_trace.tag_k NOT NULL
);
CREATE UNIQUE INDEX ON _ps_trace.tag_key (key) INCLUDE (id, tag_type);
CREATE TABLE _ps_trace.tag (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    tag_type ps_trace.tag_type NOT NULL,
    key_id bigint NOT NULL,
    key ps_trace.tag_k NOT NULL REFERENCES _ps_trace.tag_key (key) ON DELETE CASCADE,
    value ps_trace.tag_v NOT NULL,
    UNIQUE (key, value) INCLUDE (id, key_id)
) PARTITION BY HASH (key);
FOR _i IN 1..64 LOOP
    EXECUTE format('CREATE TABLE _ps_trace.tag_%s PARTITION OF _ps_trace.tag FOR VALUES WITH (MODULUS 64, REMAINDER %s)', _i, _i - 1);
    EXECUTE format('ALTER TABLE _ps_trace.tag_%s ADD PRIMARY KEY (id)', _i);
END LOOP;
CREATE TABLE _ps_trace.operation (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_name_id bigint NOT NULL,
    span_kind ps_trace.span_kind NOT NULL,
    span_name text NOT NULL CHECK (span_name != ''),
    UNIQUE (service_name_id, span_name, span_kind)
);
CREATE TABLE _ps_trace.schema_url (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL CHECK (url != '') UNIQUE
);
CREATE TABLE _ps_trace.instrumentation_lib (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    version text NOT NULL,
    schema_url_id bigint REFERENCES _ps_trace.schema_url (id),
    UNIQUE (name, version, schema_url_id)
);
CREATE TABLE _ps_trace.span (
    trace_id ps_trace.trace_id NOT NULL,
    span_id bigint NOT NULL CHECK (span_id != 0),
    parent_span_id bigint NULL CHECK (parent_span_id != 0),
    operation_id bigint NOT NULL,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    duration_ms double precision NOT NULL GENERATED ALWAYS AS ((extract(epoch FROM (end_time - start_time)) * 1000.0)::double precision) STORED,
    trace_state text CHECK (trace_state != ''),
    span_tags ps_trace.tag_map NOT NULL,
    dropped_tags_count integer NOT NULL DEFAULT 0,
    event_time tstzrange DEFAULT NULL,
    dropped_events_count integer NOT NULL DEFAULT 0,
    dropped_link_count integer NOT NULL DEFAULT 0,
    status_code ps_trace.status_code NOT NULL,
    status_message text,
    instrumentation_lib_id bigint,
    resource_tags ps_trace.tag_map NOT NULL,
    resource_dropped_tags_count integer NOT NULL DEFAULT 0,
    resource_schema_url_id bigint,
    PRIMARY KEY (span_id, trace_id, start_time),
    CHECK (start_time <= end_time)
);
CREATE INDEX ON _ps_trace.span USING btree (trace_id, parent_span_id) INCLUDE (span_id);
CREATE INDEX ON _ps_trace.span USING gin (span_tags jsonb_path_ops);
CREATE TABLE _ps_trace.event (
    time timestamptz NOT NULL,
    trace_id ps_trace.trace_id NOT NULL,
    span_id bigint NOT NULL CHECK (span_id != 0),
    event_nbr integer NOT NULL DEFAULT 0,
    name text NOT NULL,
    tags ps_trace.tag_map NOT NULL,
    dropped_tags_count integer NOT NULL DEFAULT 0
);
CREATE INDEX ON _ps_trace.event USING btree (trace_id, span_id);
CREATE TABLE _ps_trace.link (
    trace_id ps_trace.trace_id NOT NULL,
    span_id bigint NOT NULL CHECK (span_id != 0),
    span_start_time timestamptz NOT NULL,
    linked_trace_id ps_trace.trace_id NOT NULL,
    linked_span_id bigint NOT NULL CHECK (linked_span_id != 0),
    link_nbr integer NOT NULL DEFAULT 0,
    trace_state text CHECK (trace_state != ''),
    tags ps_trace.tag_map NOT NULL,
    dropped_tags_count integer NOT NULL DEFAULT 0
);
CREATE INDEX ON _ps_trace.link USING btree (trace_id, span_id);
IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM public.create_hypertable('_ps_trace.span'::regclass, 'start_time', 0);
    PERFORM public.create_hypertable('_ps_trace.event'::regclass, 'time', 0);
    PERFORM public.create_hypertable('_ps_trace.link'::regclass, 'span_start_time', 0);
END IF;
