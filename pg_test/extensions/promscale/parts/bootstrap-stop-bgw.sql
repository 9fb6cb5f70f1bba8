-- Stop the TimescaleDB scheduler of this database for the rest of the
-- transaction, so that no job holds locks the update needs.
DO $stop_bgw$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM _timescaledb_internal.restart_background_workers();
    END IF;
END
$stop_bgw$;
