-- ps_tag: constructors of the tag-operator types and the operators built on
-- them (15 operators, as in connector 0.10 and the extension). An operator
-- that already exists is left alone (CREATE OPERATOR has no OR REPLACE).
CREATE OR REPLACE FUNCTION ps_tag.tag_op_equals(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_equals
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_equals $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_equals_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_equals
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_equals $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_not_equals(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_not_equals
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_not_equals $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_not_equals_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_not_equals
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_not_equals $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_less_than(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_less_than
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_less_than $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_less_than_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_less_than
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_less_than $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_less_than_or_equal(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_less_than_or_equal
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_less_than_or_equal $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_less_than_or_equal_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_less_than_or_equal
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_less_than_or_equal $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_greater_than(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_greater_than
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_greater_than $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_greater_than_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_greater_than
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_greater_than $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_greater_than_or_equal(_tag_key text, _value anyelement) RETURNS ps_tag.tag_op_greater_than_or_equal
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_greater_than_or_equal $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_greater_than_or_equal_text(_tag_key text, _value text) RETURNS ps_tag.tag_op_greater_than_or_equal
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, to_jsonb(_value))::ps_tag.tag_op_greater_than_or_equal $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_regexp_matches(_tag_key text, _value text) RETURNS ps_tag.tag_op_regexp_matches
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, _value)::ps_tag.tag_op_regexp_matches $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_regexp_not_matches(_tag_key text, _value text) RETURNS ps_tag.tag_op_regexp_not_matches
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, _value)::ps_tag.tag_op_regexp_not_matches $f$;
CREATE OR REPLACE FUNCTION ps_tag.tag_op_jsonb_path_exists(_tag_key text, _value jsonpath) RETURNS ps_tag.tag_op_jsonb_path_exists
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT ROW(_tag_key, _value)::ps_tag.tag_op_jsonb_path_exists $f$;

BEGIN CREATE OPERATOR ps_tag.== (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_equals);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.== (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_equals_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.!== (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_not_equals);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.!== (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_not_equals_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#< (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_less_than);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#< (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_less_than_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#<= (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_less_than_or_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#<= (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_less_than_or_equal_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#> (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_greater_than);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#> (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_greater_than_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#>= (LEFTARG = text, RIGHTARG = anyelement, FUNCTION = ps_tag.tag_op_greater_than_or_equal);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.#>= (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_greater_than_or_equal_text);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.==~ (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_regexp_matches);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.!=~ (LEFTARG = text, RIGHTARG = text, FUNCTION = ps_tag.tag_op_regexp_not_matches);
EXCEPTION WHEN duplicate_function THEN NULL; END;
BEGIN CREATE OPERATOR ps_tag.@? (LEFTARG = text, RIGHTARG = jsonpath, FUNCTION = ps_tag.tag_op_jsonb_path_exists);
EXCEPTION WHEN duplicate_function THEN NULL; END;
