-- Filler routines: the real extension has more routines than the stand-in
-- writes out (about 200 in connector 0.10, about 230 in extension 0.8.0).
-- These do nothing; they bring the number of routines, and so the locks an
-- update takes on them, to the real ballpark. Count per version below.
DECLARE
    _n integer := CASE
        WHEN string_to_array('@VERSION@', '.')::integer[] < '{0,5,0}' THEN @FILLER_LEGACY@
        ELSE @FILLER_EXTENSION@ END;
BEGIN
    FOR _i IN 1.._n LOOP
        EXECUTE format('CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_%s() RETURNS integer LANGUAGE sql IMMUTABLE AS %L',
                       lpad(_i::text, 3, '0'), 'SELECT ' || _i);
    END LOOP;
END;
