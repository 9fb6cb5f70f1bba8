-- Tag maps: accessors and the ps_trace operators on tag_map (11). The bodies
-- cast to jsonb so that they work both on connector 0.10's domains and on the
-- base types of the 0.11 redesign (015).
CREATE OR REPLACE FUNCTION ps_trace.get_tag_map(_tags jsonb) RETURNS ps_trace.tag_map
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $f$ SELECT coalesce(_tags, '{}'::jsonb)::ps_trace.tag_map $f$;
CREATE OR REPLACE FUNCTION ps_trace.jsonb(_tag_map ps_trace.tag_map) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT _tag_map::jsonb $f$;
CREATE OR REPLACE FUNCTION ps_trace.jsonb(_tag_map ps_trace.tag_map, VARIADIC _keys ps_trace.tag_k[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$f$ SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}') FROM jsonb_each(_tag_map::jsonb) e WHERE e.key = ANY(_keys::text[]) $f$;
CREATE OR REPLACE FUNCTION ps_trace.val(_tag_map ps_trace.tag_map, _key ps_trace.tag_k) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT (_tag_map::jsonb) -> _key::text $f$;
CREATE OR REPLACE FUNCTION ps_trace.val_text(_tag_map ps_trace.tag_map, _key ps_trace.tag_k) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT (_tag_map::jsonb) ->> _key::text $f$;
CREATE OR REPLACE FUNCTION _ps_trace.has_tag(_tag_map ps_trace.tag_map, _key ps_trace.tag_k) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT (_tag_map::jsonb) ? _key::text $f$;
CREATE OR REPLACE FUNCTION _ps_trace.get_tag_id(_tag_map ps_trace.tag_map, _key ps_trace.tag_k) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT (_tag_map::jsonb) -> _key::text $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_equals(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_equals) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) = _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_not_equals(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_not_equals) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) <> _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_less_than(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_less_than) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) < _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_less_than_or_equal(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_less_than_or_equal) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) <= _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_greater_than(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_greater_than) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) > _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_greater_than_or_equal(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_greater_than_or_equal) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) -> _op.tag_key) >= _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_regexp_matches(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_regexp_matches) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) ->> _op.tag_key) ~ _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_regexp_not_matches(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_regexp_not_matches) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ((_tag_map::jsonb) ->> _op.tag_key) !~ _op.value $f$;
CREATE OR REPLACE FUNCTION _ps_trace.match_jsonb_path_exists(_tag_map ps_trace.tag_map, _op ps_tag.tag_op_jsonb_path_exists) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT jsonb_path_exists((_tag_map::jsonb) -> _op.tag_key, _op.value) $f$;

BEGIN CREATE OPERATOR ps_trace.# (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_trace.tag_k, FUNCTION = ps_trace.val);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.#? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_trace.tag_k, FUNCTION = _ps_trace.has_tag);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_equals, FUNCTION = _ps_trace.match_equals);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_not_equals, FUNCTION = _ps_trace.match_not_equals);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_less_than, FUNCTION = _ps_trace.match_less_than);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_less_than_or_equal, FUNCTION = _ps_trace.match_less_than_or_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_greater_than, FUNCTION = _ps_trace.match_greater_than);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_greater_than_or_equal, FUNCTION = _ps_trace.match_greater_than_or_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_regexp_matches, FUNCTION = _ps_trace.match_regexp_matches);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_regexp_not_matches, FUNCTION = _ps_trace.match_regexp_not_matches);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_trace.? (LEFTARG = ps_trace.tag_map, RIGHTARG = ps_tag.tag_op_jsonb_path_exists, FUNCTION = _ps_trace.match_jsonb_path_exists);
EXCEPTION WHEN duplicate_function THEN NULL; END;
