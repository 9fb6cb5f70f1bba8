CREATE SCHEMA IF NOT EXISTS _prom_catalog;
CREATE SCHEMA IF NOT EXISTS prom_api;
CREATE SCHEMA IF NOT EXISTS _prom_ext;
CREATE SCHEMA IF NOT EXISTS prom_series;
CREATE SCHEMA IF NOT EXISTS prom_metric;
CREATE SCHEMA IF NOT EXISTS prom_data;
CREATE SCHEMA IF NOT EXISTS prom_data_series;
CREATE SCHEMA IF NOT EXISTS prom_info;
CREATE SCHEMA IF NOT EXISTS prom_data_exemplar;
CREATE SCHEMA IF NOT EXISTS ps_tag;
CREATE SCHEMA IF NOT EXISTS _ps_trace;
CREATE SCHEMA IF NOT EXISTS ps_trace;
CREATE SCHEMA IF NOT EXISTS _ps_catalog;
GRANT USAGE ON SCHEMA _prom_catalog, prom_api, _prom_ext, prom_series, prom_metric, prom_data,
    prom_data_series, prom_info, prom_data_exemplar, ps_tag, _ps_trace, ps_trace, _ps_catalog TO prom_reader;
