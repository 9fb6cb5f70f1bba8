-- The label matchers and their operators. The ==, !==, ==~, !=~ operators on
-- (label_key, pattern) and prom_api.? / @> are (re)defined by the idempotent
-- part; the four label_array ? tag_op operators start in _prom_catalog, as in
-- connector 0.10, and 017 moves them to prom_api.

-- Label-array matchers used with the ps_tag operator types; their operators
-- start in _prom_catalog (017 moves them to prom_api).
CREATE OR REPLACE FUNCTION _prom_catalog.match_equals(labels prom_api.label_array, _op ps_tag.tag_op_equals)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT labels && (SELECT coalesce(array_agg(l.id), '{}') FROM _prom_catalog.label l WHERE l.key = _op.tag_key AND l.value = _op.value #>> '{}') $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.match_not_equals(labels prom_api.label_array, _op ps_tag.tag_op_not_equals)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT NOT (labels && (SELECT coalesce(array_agg(l.id), '{}') FROM _prom_catalog.label l WHERE l.key = _op.tag_key AND l.value = _op.value #>> '{}')) $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.match_regexp_matches(labels prom_api.label_array, _op ps_tag.tag_op_regexp_matches)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT labels && (SELECT coalesce(array_agg(l.id), '{}') FROM _prom_catalog.label l WHERE l.key = _op.tag_key AND l.value ~ _op.value) $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.match_regexp_not_matches(labels prom_api.label_array, _op ps_tag.tag_op_regexp_not_matches)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT NOT (labels && (SELECT coalesce(array_agg(l.id), '{}') FROM _prom_catalog.label l WHERE l.key = _op.tag_key AND l.value ~ _op.value)) $f$;
CREATE OPERATOR _prom_catalog.? (LEFTARG = prom_api.label_array, RIGHTARG = ps_tag.tag_op_equals, FUNCTION = _prom_catalog.match_equals);
CREATE OPERATOR _prom_catalog.? (LEFTARG = prom_api.label_array, RIGHTARG = ps_tag.tag_op_not_equals, FUNCTION = _prom_catalog.match_not_equals);
CREATE OPERATOR _prom_catalog.? (LEFTARG = prom_api.label_array, RIGHTARG = ps_tag.tag_op_regexp_matches, FUNCTION = _prom_catalog.match_regexp_matches);
CREATE OPERATOR _prom_catalog.? (LEFTARG = prom_api.label_array, RIGHTARG = ps_tag.tag_op_regexp_not_matches, FUNCTION = _prom_catalog.match_regexp_not_matches);
