CREATE SCHEMA _prom_ext;
