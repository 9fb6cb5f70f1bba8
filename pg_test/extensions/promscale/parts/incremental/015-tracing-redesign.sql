-- The 0.11 tracing redesign. trace_id, tag_map and tag_v change from domains
-- to base types, so the tables are dropped and recreated: ALL tracing data
-- stored by connector <= 0.10 is lost (as in the real migration). Dropping
-- the hash-partitioned tag table, the hypertables and the domains (CASCADE)
-- is where much of the takeover's fixed block of locks comes from.
DROP TABLE _ps_trace.link CASCADE;
DROP TABLE _ps_trace.event CASCADE;
DROP TABLE _ps_trace.span CASCADE;
DROP TABLE _ps_trace.tag CASCADE;
DROP TABLE _ps_trace.operation;
DROP VIEW IF EXISTS ps_trace.event CASCADE;
DROP VIEW IF EXISTS ps_trace.link CASCADE;
DROP VIEW IF EXISTS ps_trace.span CASCADE;

DELETE FROM _ps_trace.tag_key WHERE id >= 1000;
PERFORM pg_catalog.setval('_ps_trace.tag_key_id_seq', 1000);
TRUNCATE TABLE _ps_trace.instrumentation_lib CASCADE;
TRUNCATE TABLE _ps_trace.schema_url CASCADE;

-- friendlier enum labels
DROP TYPE ps_trace.span_kind CASCADE;
CREATE TYPE ps_trace.span_kind AS ENUM ('unspecified', 'internal', 'server', 'client', 'producer', 'consumer');
GRANT USAGE ON TYPE ps_trace.span_kind TO prom_reader;
DROP TYPE ps_trace.status_code CASCADE;
CREATE TYPE ps_trace.status_code AS ENUM ('unset', 'ok', 'error');
GRANT USAGE ON TYPE ps_trace.status_code TO prom_reader;

CREATE TABLE _ps_trace.operation (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_name_id bigint NOT NULL,
    span_kind ps_trace.span_kind NOT NULL,
    span_name text NOT NULL CHECK (span_name != ''),
    UNIQUE (service_name_id, span_name, span_kind)
);
GRANT SELECT ON TABLE _ps_trace.operation TO prom_reader;
GRANT SELECT, INSERT ON TABLE _ps_trace.operation TO prom_writer;

-- trace_id: a uuid-like base type (internal uuid I/O and comparison).
DROP DOMAIN ps_trace.trace_id CASCADE;
CREATE TYPE ps_trace.trace_id;
CREATE FUNCTION _ps_trace.trace_id_in(cstring) RETURNS ps_trace.trace_id LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_in';
CREATE FUNCTION _ps_trace.trace_id_out(ps_trace.trace_id) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_out';
CREATE FUNCTION _ps_trace.trace_id_send(ps_trace.trace_id) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_send';
CREATE FUNCTION _ps_trace.trace_id_recv(internal) RETURNS ps_trace.trace_id LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_recv';
CREATE TYPE ps_trace.trace_id (INPUT = _ps_trace.trace_id_in, OUTPUT = _ps_trace.trace_id_out,
    SEND = _ps_trace.trace_id_send, RECEIVE = _ps_trace.trace_id_recv, LIKE = pg_catalog.uuid);
CREATE FUNCTION _ps_trace.trace_id_eq(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_eq';
CREATE FUNCTION _ps_trace.trace_id_ne(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_ne';
CREATE FUNCTION _ps_trace.trace_id_lt(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_lt';
CREATE FUNCTION _ps_trace.trace_id_le(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_le';
CREATE FUNCTION _ps_trace.trace_id_gt(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_gt';
CREATE FUNCTION _ps_trace.trace_id_ge(ps_trace.trace_id, ps_trace.trace_id) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_ge';
CREATE FUNCTION _ps_trace.trace_id_cmp(ps_trace.trace_id, ps_trace.trace_id) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_cmp';
CREATE FUNCTION _ps_trace.trace_id_hash(ps_trace.trace_id) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'uuid_hash';
CREATE OPERATOR ps_trace.= (FUNCTION = _ps_trace.trace_id_eq, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.=), NEGATOR = OPERATOR(ps_trace.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR ps_trace.<> (FUNCTION = _ps_trace.trace_id_ne, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.<>), NEGATOR = OPERATOR(ps_trace.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR ps_trace.< (FUNCTION = _ps_trace.trace_id_lt, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.>), NEGATOR = OPERATOR(ps_trace.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR ps_trace.<= (FUNCTION = _ps_trace.trace_id_le, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.>=), NEGATOR = OPERATOR(ps_trace.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR ps_trace.> (FUNCTION = _ps_trace.trace_id_gt, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.<), NEGATOR = OPERATOR(ps_trace.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR ps_trace.>= (FUNCTION = _ps_trace.trace_id_ge, LEFTARG = ps_trace.trace_id, RIGHTARG = ps_trace.trace_id,
    COMMUTATOR = OPERATOR(ps_trace.<=), NEGATOR = OPERATOR(ps_trace.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR CLASS ps_trace.btree_trace_id_ops DEFAULT FOR TYPE ps_trace.trace_id USING btree AS
    OPERATOR 1 ps_trace.<, OPERATOR 2 ps_trace.<=, OPERATOR 3 ps_trace.=, OPERATOR 4 ps_trace.>=, OPERATOR 5 ps_trace.>,
    FUNCTION 1 _ps_trace.trace_id_cmp(ps_trace.trace_id, ps_trace.trace_id);
CREATE OPERATOR CLASS ps_trace.hash_trace_id_ops DEFAULT FOR TYPE ps_trace.trace_id USING hash AS
    OPERATOR 1 ps_trace.=, FUNCTION 1 _ps_trace.trace_id_hash(ps_trace.trace_id);
CREATE CAST (ps_trace.trace_id AS pg_catalog.uuid) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (pg_catalog.uuid AS ps_trace.trace_id) WITHOUT FUNCTION AS IMPLICIT;
GRANT USAGE ON TYPE ps_trace.trace_id TO prom_reader;

-- tag_map and tag_v: jsonb-like base types (the real ones also change the
-- storage, see 025).
DROP DOMAIN ps_trace.tag_map CASCADE;
DROP DOMAIN ps_trace.tag_v CASCADE;
DROP FUNCTION IF EXISTS _ps_trace.eval_tags_by_key(ps_trace.tag_k);
DROP FUNCTION IF EXISTS _ps_trace.eval_jsonb_path_exists(ps_tag.tag_op_jsonb_path_exists);
DROP FUNCTION IF EXISTS _ps_trace.eval_regexp_matches(ps_tag.tag_op_regexp_matches);
DROP FUNCTION IF EXISTS _ps_trace.eval_regexp_not_matches(ps_tag.tag_op_regexp_not_matches);
DROP FUNCTION IF EXISTS _ps_trace.eval_equals(ps_tag.tag_op_equals);
DROP FUNCTION IF EXISTS _ps_trace.eval_not_equals(ps_tag.tag_op_not_equals);
DROP FUNCTION IF EXISTS _ps_trace.eval_less_than(ps_tag.tag_op_less_than);
DROP FUNCTION IF EXISTS _ps_trace.eval_less_than_or_equal(ps_tag.tag_op_less_than_or_equal);
DROP FUNCTION IF EXISTS _ps_trace.eval_greater_than(ps_tag.tag_op_greater_than);
DROP FUNCTION IF EXISTS _ps_trace.eval_greater_than_or_equal(ps_tag.tag_op_greater_than_or_equal);
CREATE TYPE ps_trace.tag_map;
CREATE FUNCTION ps_trace.tag_map_in(cstring) RETURNS ps_trace.tag_map LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_in';
CREATE FUNCTION ps_trace.tag_map_out(ps_trace.tag_map) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_out';
CREATE FUNCTION ps_trace.tag_map_send(ps_trace.tag_map) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_send';
CREATE FUNCTION ps_trace.tag_map_recv(internal) RETURNS ps_trace.tag_map LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_recv';
CREATE TYPE ps_trace.tag_map (INPUT = ps_trace.tag_map_in, OUTPUT = ps_trace.tag_map_out,
    SEND = ps_trace.tag_map_send, RECEIVE = ps_trace.tag_map_recv, LIKE = pg_catalog.jsonb);
CREATE CAST (pg_catalog.jsonb AS ps_trace.tag_map) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (ps_trace.tag_map AS pg_catalog.jsonb) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (pg_catalog.json AS ps_trace.tag_map) WITH INOUT AS ASSIGNMENT;
CREATE CAST (ps_trace.tag_map AS pg_catalog.json) WITH INOUT AS ASSIGNMENT;
CREATE TYPE _ps_trace.tag_v;
CREATE FUNCTION _ps_trace.tag_v_in(cstring) RETURNS _ps_trace.tag_v LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_in';
CREATE FUNCTION _ps_trace.tag_v_out(_ps_trace.tag_v) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_out';
CREATE FUNCTION _ps_trace.tag_v_send(_ps_trace.tag_v) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_send';
CREATE FUNCTION _ps_trace.tag_v_recv(internal) RETURNS _ps_trace.tag_v LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_recv';
CREATE TYPE _ps_trace.tag_v (INPUT = _ps_trace.tag_v_in, OUTPUT = _ps_trace.tag_v_out,
    SEND = _ps_trace.tag_v_send, RECEIVE = _ps_trace.tag_v_recv, LIKE = pg_catalog.jsonb);
CREATE CAST (_ps_trace.tag_v AS pg_catalog.jsonb) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (pg_catalog.jsonb AS _ps_trace.tag_v) WITHOUT FUNCTION AS IMPLICIT;
GRANT USAGE ON TYPE ps_trace.tag_map TO prom_reader;
GRANT USAGE ON TYPE _ps_trace.tag_v TO prom_reader;
-- comparison operators on tag_v (removed again by 031)
CREATE FUNCTION _ps_trace.tag_v_eq(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_eq';
CREATE FUNCTION _ps_trace.tag_v_ne(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_ne';
CREATE FUNCTION _ps_trace.tag_v_lt(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_lt';
CREATE FUNCTION _ps_trace.tag_v_le(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_le';
CREATE FUNCTION _ps_trace.tag_v_gt(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_gt';
CREATE FUNCTION _ps_trace.tag_v_ge(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_ge';
CREATE FUNCTION _ps_trace.tag_v_cmp(_ps_trace.tag_v, _ps_trace.tag_v) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'jsonb_cmp';
CREATE OPERATOR ps_trace.= (FUNCTION = _ps_trace.tag_v_eq, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v,
    COMMUTATOR = OPERATOR(ps_trace.=), NEGATOR = OPERATOR(ps_trace.<>), RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR ps_trace.<> (FUNCTION = _ps_trace.tag_v_ne, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v,
    COMMUTATOR = OPERATOR(ps_trace.<>), NEGATOR = OPERATOR(ps_trace.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR ps_trace.< (FUNCTION = _ps_trace.tag_v_lt, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v);
CREATE OPERATOR ps_trace.<= (FUNCTION = _ps_trace.tag_v_le, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v);
CREATE OPERATOR ps_trace.> (FUNCTION = _ps_trace.tag_v_gt, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v);
CREATE OPERATOR ps_trace.>= (FUNCTION = _ps_trace.tag_v_ge, LEFTARG = _ps_trace.tag_v, RIGHTARG = _ps_trace.tag_v);
CREATE OPERATOR CLASS public.btree_tag_v_ops FOR TYPE _ps_trace.tag_v USING btree AS
    OPERATOR 1 ps_trace.<, OPERATOR 2 ps_trace.<=, OPERATOR 3 ps_trace.=, OPERATOR 4 ps_trace.>=, OPERATOR 5 ps_trace.>,
    FUNCTION 1 _ps_trace.tag_v_cmp(_ps_trace.tag_v, _ps_trace.tag_v);

-- The tag table is no longer partitioned; (key, value) uniqueness goes
-- through a digest because values can be large.
CREATE TABLE _ps_trace.tag (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    key_id bigint NOT NULL,
    tag_type ps_trace.tag_type NOT NULL,
    key ps_trace.tag_k NOT NULL REFERENCES _ps_trace.tag_key (key) ON DELETE CASCADE,
    value _ps_trace.tag_v NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX tag_key_value_id_key_id_key_idx ON _ps_trace.tag (key, _prom_ext.jsonb_digest(value)) INCLUDE (id, key_id);
GRANT SELECT ON TABLE _ps_trace.tag TO prom_reader;
GRANT SELECT, INSERT ON TABLE _ps_trace.tag TO prom_writer;

CREATE TABLE _ps_trace.span (
    trace_id ps_trace.trace_id NOT NULL,
    span_id bigint NOT NULL CHECK (span_id != 0),
    parent_span_id bigint NULL CHECK (parent_span_id != 0),
    operation_id bigint NOT NULL,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    duration_ms double precision NOT NULL GENERATED ALWAYS AS ((extract(epoch FROM (end_time - start_time)) * 1000.0)::double precision) STORED,
    instrumentation_lib_id bigint,
    resource_schema_url_id bigint,
    event_time tstzrange DEFAULT NULL,
    dropped_tags_count integer NOT NULL DEFAULT 0,
    dropped_events_count integer NOT NULL DEFAULT 0,
    dropped_link_count integer NOT NULL DEFAULT 0,
    resource_dropped_tags_count integer NOT NULL DEFAULT 0,
    status_code ps_trace.status_code NOT NULL,
    trace_state text CHECK (trace_state != ''),
    span_tags ps_trace.tag_map NOT NULL,
    status_message text,
    resource_tags ps_trace.tag_map NOT NULL,
    PRIMARY KEY (span_id, trace_id, start_time),
    CHECK (start_time <= end_time)
);
CREATE INDEX ON _ps_trace.span USING btree (trace_id, parent_span_id) INCLUDE (span_id);
CREATE INDEX ON _ps_trace.span USING gin (span_tags jsonb_path_ops);
CREATE INDEX ON _ps_trace.span USING btree (operation_id);
CREATE INDEX ON _ps_trace.span USING gin (resource_tags jsonb_path_ops);
GRANT SELECT ON TABLE _ps_trace.span TO prom_reader;
GRANT SELECT, INSERT ON TABLE _ps_trace.span TO prom_writer;
ALTER TABLE _ps_trace.span OWNER TO prom_admin;

CREATE TABLE _ps_trace.event (
    time timestamptz NOT NULL,
    trace_id ps_trace.trace_id NOT NULL,
    span_id bigint NOT NULL CHECK (span_id != 0),
    event_nbr integer NOT NULL DEFAULT 0,
    name text NOT NULL,
    tags ps_trace.tag_map NOT NULL,
    dropped_tags_count integer NOT NULL DEFAULT 0
);
CREATE INDEX ON _ps_trace.event USING gin (tags jsonb_path_ops);
CREATE INDEX ON _ps_trace.event USING btree (trace_id, span_id);
GRANT SELECT ON TABLE _ps_trace.event TO prom_reader;
GRANT SELECT, INSERT ON TABLE _ps_trace.event TO prom_writer;
ALTER TABLE _ps_trace.event OWNER TO prom_admin;

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
CREATE INDEX ON _ps_trace.link USING gin (tags jsonb_path_ops);
GRANT SELECT ON TABLE _ps_trace.link TO prom_reader;
GRANT SELECT, INSERT ON TABLE _ps_trace.link TO prom_writer;
ALTER TABLE _ps_trace.link OWNER TO prom_admin;

IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM public.create_hypertable('_ps_trace.span'::regclass, 'start_time', 0);
    PERFORM public.create_hypertable('_ps_trace.event'::regclass, 'time', 0);
    PERFORM public.create_hypertable('_ps_trace.link'::regclass, 'span_start_time', 0);
END IF;
