DROP FUNCTION IF EXISTS _prom_catalog.get_confirmed_unused_series(name, name, name, bigint[], timestamptz);
DROP FUNCTION IF EXISTS _prom_catalog.get_confirmed_unused_series(text, text, text, bigint[], timestamptz);
