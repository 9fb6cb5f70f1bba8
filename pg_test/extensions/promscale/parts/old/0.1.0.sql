-- Old optional extension (before the connector 0.11 takeover), first
-- version. The real 0.1.x..0.3.x were small pgx/C helpers installed by
-- connector <= 0.10 with CREATE EXTENSION promscale WITH SCHEMA _prom_ext
-- (its own control file named no schema). They need the connector's
-- prom_api domains to exist. The stand-in replaces each C helper with a
-- small SQL function of the same name and argument list.

-- Label matchers (the real ones carried a planner support function).
CREATE FUNCTION @extschema@.label_find_key_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_positive LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_positive
    FROM _prom_catalog.label l WHERE l.key = key_to_match AND l.value = pat $f$;
CREATE FUNCTION @extschema@.label_find_key_not_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_negative LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_negative
    FROM _prom_catalog.label l WHERE l.key = key_to_match AND l.value = pat $f$;
CREATE FUNCTION @extschema@.label_find_key_regex(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_positive LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_positive
    FROM _prom_catalog.label l WHERE l.key = key_to_match AND l.value ~ pat $f$;
CREATE FUNCTION @extschema@.label_find_key_not_regex(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_negative LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_negative
    FROM _prom_catalog.label l WHERE l.key = key_to_match AND l.value ~ pat $f$;

CREATE OPERATOR @extschema@.== (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = @extschema@.label_find_key_equal);
CREATE OPERATOR @extschema@.!== (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = @extschema@.label_find_key_not_equal);
CREATE OPERATOR @extschema@.==~ (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = @extschema@.label_find_key_regex);
CREATE OPERATOR @extschema@.!=~ (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = @extschema@.label_find_key_not_regex);

-- The real one wrote into _timescaledb_catalog.metadata; the stand-in only
-- accepts the call.
CREATE FUNCTION @extschema@.update_tsprom_metadata(meta_key text, meta_value text, send_telemetry boolean)
RETURNS void LANGUAGE sql VOLATILE AS $f$ SELECT $f$;

-- PromQL extrapolation aggregates: the real ones kept a C state; the
-- stand-in collects the samples into an array and returns it.
CREATE FUNCTION @extschema@.prom_extrapolate_transition(state double precision[], lowest_time timestamptz,
    greatest_time timestamptz, step_size bigint, range bigint, sample_time timestamptz, sample_value double precision)
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$f$ SELECT pg_catalog.array_append(coalesce(state, '{}'), sample_value) $f$;
CREATE AGGREGATE @extschema@.prom_delta(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = @extschema@.prom_extrapolate_transition, STYPE = double precision[]);
CREATE AGGREGATE @extschema@.prom_rate(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = @extschema@.prom_extrapolate_transition, STYPE = double precision[]);
CREATE AGGREGATE @extschema@.prom_increase(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = @extschema@.prom_extrapolate_transition, STYPE = double precision[]);
