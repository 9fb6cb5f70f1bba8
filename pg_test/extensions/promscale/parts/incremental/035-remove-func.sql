DROP FUNCTION IF EXISTS _prom_catalog.get_metrics_that_need_compression();
DROP VIEW IF EXISTS _ps_catalog.chunks_to_freeze;
