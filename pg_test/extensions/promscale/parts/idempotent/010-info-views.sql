-- prom_info views. Until 0.8.0 prom_info.metric carries size columns (read
-- through _prom_catalog.metric_view()); 0.8.0 moves them to
-- prom_info.metric_detail, which is why its migration 033 has to drop and
-- recreate prom_info.metric.

-- @until 0.8.0
CREATE OR REPLACE FUNCTION _prom_catalog.metric_view()
RETURNS TABLE (id integer, metric_name text, table_name name, label_keys text[], retention_period interval,
               chunk_interval interval, compressed_interval interval, total_interval interval,
               before_compression_bytes bigint, after_compression_bytes bigint, total_size_bytes bigint,
               total_size text, compression_ratio numeric, total_chunks bigint, compressed_chunks bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS
$f$ SELECT m.id, m.metric_name, m.table_name,
           ARRAY(SELECT p.key FROM _prom_catalog.label_key_position p WHERE p.metric_name = m.metric_name ORDER BY p.key),
           coalesce(m.retention_period, _prom_catalog.get_default_retention_period()),
           _prom_catalog.get_default_chunk_interval(), NULL::interval, NULL::interval,
           sz.bytes, NULL::bigint, sz.bytes, pg_size_pretty(sz.bytes), NULL::numeric,
           (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhparent = sz.rel), 0::bigint
    FROM _prom_catalog.metric m
    CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', m.table_schema, m.table_name)) AS rel) r
    CROSS JOIN LATERAL (SELECT r.rel, coalesce(pg_total_relation_size(r.rel), 0) AS bytes) sz
    WHERE NOT m.is_view $f$;

CREATE OR REPLACE VIEW prom_info.metric AS
SELECT * FROM _prom_catalog.metric_view();
-- @end
-- @since 0.8.0
CREATE OR REPLACE VIEW prom_info.metric AS
SELECT m.id, m.metric_name, m.table_name,
       ARRAY(SELECT p.key FROM _prom_catalog.label_key_position p WHERE p.metric_name = m.metric_name ORDER BY p.key) AS label_keys,
       coalesce(m.retention_period, _prom_catalog.get_default_retention_period()) AS retention_period,
       _prom_catalog.get_default_chunk_interval() AS chunk_interval,
       m.default_compression AS compression_enabled,
       m.creation_completed, m.is_view
FROM _prom_catalog.metric m;

CREATE OR REPLACE VIEW prom_info.metric_detail AS
SELECT i.*, sz.bytes AS total_size_bytes, pg_size_pretty(sz.bytes) AS total_size,
       (SELECT count(*) FROM pg_catalog.pg_inherits h WHERE h.inhparent = r.rel) AS total_chunks
FROM prom_info.metric i
JOIN _prom_catalog.metric m ON m.id = i.id
CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', m.table_schema, m.table_name)) AS rel) r
CROSS JOIN LATERAL (SELECT coalesce(pg_total_relation_size(r.rel), 0) AS bytes) sz;
GRANT SELECT ON prom_info.metric_detail TO prom_reader;
-- @end
GRANT SELECT ON prom_info.metric TO prom_reader;

CREATE OR REPLACE VIEW prom_info.label AS
SELECT lk.key, lk.value_column_name, lk.id_column_name,
       ARRAY(SELECT l.value FROM _prom_catalog.label l WHERE l.key = lk.key ORDER BY l.value) AS values,
       (SELECT count(*) FROM _prom_catalog.label l WHERE l.key = lk.key) AS num_values
FROM _prom_catalog.label_key lk;
GRANT SELECT ON prom_info.label TO prom_reader;

CREATE OR REPLACE VIEW prom_info.metric_stats AS
SELECT m.metric_name,
       (SELECT count(*) FROM _prom_catalog.series s WHERE s.metric_id = m.id) AS num_series_approx
FROM _prom_catalog.metric m;
GRANT SELECT ON prom_info.metric_stats TO prom_reader;

CREATE OR REPLACE VIEW prom_info.system_stats AS
SELECT (SELECT count(*) FROM _prom_catalog.series) AS num_series_approx,
       (SELECT count(*) FROM _prom_catalog.metric) AS num_metric,
       (SELECT count(*) FROM _prom_catalog.label_key) AS num_label_keys,
       (SELECT count(*) FROM _prom_catalog.label) AS num_labels;
GRANT SELECT ON prom_info.system_stats TO prom_reader;
