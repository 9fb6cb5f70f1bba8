-- Label matchers on label arrays and their operators.
CREATE OR REPLACE FUNCTION _prom_catalog.label_jsonb_each_text(js jsonb, OUT key text, OUT value text) RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 10 AS $f$ SELECT (jsonb_each_text(js)).* $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.count_jsonb_keys(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT count(*)::integer FROM (SELECT jsonb_object_keys(j)) v $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_unnest(label_array anyarray) RETURNS SETOF anyelement
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 10 AS $f$ SELECT unnest(label_array) $f$;
CREATE OR REPLACE FUNCTION prom_api.matcher(labels jsonb) RETURNS prom_api.matcher_positive
LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT ARRAY(SELECT coalesce(l.id, -1) FROM _prom_catalog.label_jsonb_each_text(labels - '__name__') e
                 LEFT JOIN _prom_catalog.label l ON l.key = e.key AND l.value = e.value)::prom_api.matcher_positive $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_contains(labels prom_api.label_array, json_labels jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT labels::integer[] @> prom_api.matcher(json_labels)::integer[] $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_value_contains(labels prom_api.label_value_array, label_value text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT labels::text[] @> ARRAY[label_value] $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_match(labels prom_api.label_array, matchers prom_api.matcher_positive) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT labels::integer[] && matchers::integer[] $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.label_match(labels prom_api.label_array, matchers prom_api.matcher_negative) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT NOT (labels::integer[] && matchers::integer[]) $f$;
CREATE OR REPLACE FUNCTION prom_api.eq(labels1 prom_api.label_array, labels2 prom_api.label_array) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT labels1::integer[] = labels2::integer[] $f$;
CREATE OR REPLACE FUNCTION prom_api.eq(labels1 prom_api.label_array, matchers prom_api.matcher_positive) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT labels1::integer[] = matchers::integer[] $f$;
CREATE OR REPLACE FUNCTION prom_api.eq(labels prom_api.label_array, json_labels jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT labels::integer[] = prom_api.matcher(json_labels)::integer[] $f$;
CREATE OR REPLACE FUNCTION prom_api.jsonb(labels prom_api.label_array) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT jsonb_object_agg(l.key, l.value) FROM _prom_catalog.label l WHERE l.id = ANY(labels::integer[]) $f$;
CREATE OR REPLACE FUNCTION prom_api.key_value_array(labels prom_api.label_array, OUT keys text[], OUT vals text[])
LANGUAGE sql STABLE PARALLEL SAFE AS
$f$ SELECT array_agg(l.key ORDER BY l.key), array_agg(l.value ORDER BY l.key) FROM _prom_catalog.label l
    WHERE l.id = ANY(labels::integer[]) $f$;
-- the ? tag_op matchers (their operators come from 007, moved by 017)
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

BEGIN CREATE OPERATOR prom_api.@> (LEFTARG = prom_api.label_array, RIGHTARG = jsonb, FUNCTION = _prom_catalog.label_contains);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.@> (LEFTARG = prom_api.label_value_array, RIGHTARG = text, FUNCTION = _prom_catalog.label_value_contains);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.? (LEFTARG = prom_api.label_array, RIGHTARG = prom_api.matcher_positive, FUNCTION = _prom_catalog.label_match);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.? (LEFTARG = prom_api.label_array, RIGHTARG = prom_api.matcher_negative, FUNCTION = _prom_catalog.label_match);
EXCEPTION WHEN duplicate_function THEN NULL; END;
-- key/pattern matchers (connector 0.10 had them in prom_api too; the
-- takeover drops those and this part re-creates them)
BEGIN CREATE OPERATOR prom_api.== (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = _prom_catalog.label_find_key_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.!== (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = _prom_catalog.label_find_key_not_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.==~ (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = _prom_catalog.label_find_key_regex);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR prom_api.!=~ (LEFTARG = prom_api.label_key, RIGHTARG = prom_api.pattern, FUNCTION = _prom_catalog.label_find_key_not_regex);
EXCEPTION WHEN duplicate_function THEN NULL; END;
