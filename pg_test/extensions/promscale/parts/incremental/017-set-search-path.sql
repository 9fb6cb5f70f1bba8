-- The label_array ? tag_op operators move to prom_api, and the database's
-- default search_path gains the Promscale API schemas.
DECLARE
    _current text[];
    _wanted text[];
BEGIN
    ALTER OPERATOR _prom_catalog.? (prom_api.label_array, ps_tag.tag_op_equals) SET SCHEMA prom_api;
    ALTER OPERATOR _prom_catalog.? (prom_api.label_array, ps_tag.tag_op_not_equals) SET SCHEMA prom_api;
    ALTER OPERATOR _prom_catalog.? (prom_api.label_array, ps_tag.tag_op_regexp_matches) SET SCHEMA prom_api;
    ALTER OPERATOR _prom_catalog.? (prom_api.label_array, ps_tag.tag_op_regexp_not_matches) SET SCHEMA prom_api;
    SELECT regexp_split_to_array(s.reset_val, ',\s*') INTO _current FROM pg_catalog.pg_settings s WHERE s.name = 'search_path';
    SELECT array_agg(v ORDER BY o) INTO _wanted FROM (
        SELECT v, min(o) AS o FROM (
            SELECT v, o FROM unnest(_current) WITH ORDINALITY AS c(v, o)
            UNION ALL
            SELECT v, 100 + o FROM unnest(ARRAY['ps_tag', 'prom_api', 'prom_metric', 'ps_trace']) WITH ORDINALITY AS n(v, o)
        ) x GROUP BY v) y;
    EXECUTE format('ALTER DATABASE %I SET search_path = %s', current_database(), array_to_string(_wanted, ', '));
END;
