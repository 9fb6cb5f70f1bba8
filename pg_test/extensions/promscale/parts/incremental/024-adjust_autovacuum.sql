DECLARE _r record;
BEGIN
FOR _r IN SELECT table_name FROM _prom_catalog.metric WHERE table_schema = 'prom_data' ORDER BY id LOOP
    EXECUTE format('ALTER TABLE prom_data.%I SET (autovacuum_vacuum_insert_threshold = 50000, autovacuum_vacuum_insert_scale_factor = 2.0, autovacuum_analyze_threshold = 50000, autovacuum_analyze_scale_factor = 0.5)', _r.table_name);
    EXECUTE format('ALTER TABLE prom_data.%I RESET (autovacuum_vacuum_threshold)', _r.table_name);
END LOOP;
END;
