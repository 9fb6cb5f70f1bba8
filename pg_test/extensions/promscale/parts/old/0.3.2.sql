-- 0.3.2 re-creates the label matchers with fully qualified operators.
CREATE OR REPLACE FUNCTION @extschema@.label_find_key_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_positive LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_positive
    FROM _prom_catalog.label l WHERE l.key OPERATOR(pg_catalog.=) key_to_match AND l.value OPERATOR(pg_catalog.=) pat $f$;
CREATE OR REPLACE FUNCTION @extschema@.label_find_key_not_equal(key_to_match prom_api.label_key, pat prom_api.pattern)
RETURNS prom_api.matcher_negative LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT coalesce(pg_catalog.array_agg(l.id), '{}')::prom_api.matcher_negative
    FROM _prom_catalog.label l WHERE l.key OPERATOR(pg_catalog.=) key_to_match AND l.value OPERATOR(pg_catalog.=) pat $f$;
