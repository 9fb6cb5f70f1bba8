-- 0.2.0 adds the vector_selector aggregate (stand-in: collects samples).
CREATE FUNCTION @extschema@.vector_selector_transition(state double precision[], start_time timestamptz,
    end_time timestamptz, bucket_width bigint, lookback bigint, sample_time timestamptz, sample_value double precision)
RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$f$ SELECT pg_catalog.array_append(coalesce(state, '{}'), sample_value) $f$;
CREATE AGGREGATE @extschema@.vector_selector(timestamptz, timestamptz, bigint, bigint, timestamptz, double precision)
    (SFUNC = @extschema@.vector_selector_transition, STYPE = double precision[]);
