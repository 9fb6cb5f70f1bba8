-- Stand-ins for the objects pgx renders from the Rust code (in the real
-- extension: C functions in _prom_ext, placed after the bootstrap and before
-- the migrations). Same names and arguments; SQL bodies.
CREATE OR REPLACE FUNCTION _prom_ext.num_cpus() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT 2 $f$;

CREATE OR REPLACE FUNCTION _prom_ext.jsonb_digest(value jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$f$ SELECT pg_catalog.sha224(pg_catalog.convert_to(value::text, 'UTF8')) $f$;

-- @since 0.5.3
CREATE OR REPLACE FUNCTION _prom_ext.re2_match(string text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT string ~ pattern $f$;
-- @end

CREATE OR REPLACE FUNCTION _prom_ext.prom_extrapolate_transition(state double precision[], lowest_time timestamptz,
    greatest_time timestamptz, step_size bigint, range bigint, sample_time timestamptz, sample_value double precision)
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$f$ SELECT pg_catalog.array_append(coalesce(state, '{}'), sample_value) $f$;

CREATE OR REPLACE AGGREGATE _prom_ext.prom_delta(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = _prom_ext.prom_extrapolate_transition, STYPE = double precision[]);
CREATE OR REPLACE AGGREGATE _prom_ext.prom_rate(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = _prom_ext.prom_extrapolate_transition, STYPE = double precision[]);
CREATE OR REPLACE AGGREGATE _prom_ext.prom_increase(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = _prom_ext.prom_extrapolate_transition, STYPE = double precision[]);
CREATE OR REPLACE AGGREGATE _prom_ext.vector_selector(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = _prom_ext.prom_extrapolate_transition, STYPE = double precision[]);
