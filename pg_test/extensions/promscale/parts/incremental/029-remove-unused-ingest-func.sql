DROP FUNCTION IF EXISTS _prom_catalog.create_ingest_temp_table(text, text) CASCADE;
