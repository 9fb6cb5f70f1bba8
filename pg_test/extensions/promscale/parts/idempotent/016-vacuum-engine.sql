-- @since 0.7.0
-- Vacuum engine (0.7.0): coordination functions and the view listing
-- compressed chunks that still need freezing (renamed in 0.8.0). The
-- stand-in has no compression, so the views come back empty.
CREATE OR REPLACE FUNCTION _prom_catalog.get_advisory_lock_id_vacuum_engine() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT 5585198506344173279::bigint $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.lock_for_vacuum_engine() RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT pg_try_advisory_lock(_prom_catalog.get_advisory_lock_id_vacuum_engine()) $f$;
CREATE OR REPLACE FUNCTION _prom_catalog.unlock_for_vacuum_engine() RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT pg_advisory_unlock(_prom_catalog.get_advisory_lock_id_vacuum_engine()); SELECT $f$;
-- @end
-- @since 0.7.0
-- @until 0.8.0
CREATE OR REPLACE VIEW _ps_catalog.chunks_to_freeze AS
SELECT c.oid::regclass AS chunk, NULL::xid AS relfrozenxid
FROM pg_catalog.pg_class c WHERE false;
GRANT SELECT ON _ps_catalog.chunks_to_freeze TO prom_maintenance;
-- @end
-- @since 0.8.0
CREATE OR REPLACE VIEW _ps_catalog.compressed_chunks_to_freeze AS
SELECT c.oid::regclass AS chunk, NULL::xid AS relfrozenxid
FROM pg_catalog.pg_class c WHERE false;
GRANT SELECT ON _ps_catalog.compressed_chunks_to_freeze TO prom_maintenance;
CREATE OR REPLACE VIEW _ps_catalog.compressed_chunks_missing_stats AS
SELECT c.oid::regclass AS chunk FROM pg_catalog.pg_class c WHERE false;
GRANT SELECT ON _ps_catalog.compressed_chunks_missing_stats TO prom_maintenance;
-- @end
