CREATE DOMAIN prom_api.label_array AS integer[] NOT NULL;
CREATE DOMAIN prom_api.label_value_array AS text[];
CREATE DOMAIN prom_api.label_key AS text;
CREATE DOMAIN prom_api.pattern AS text;
CREATE DOMAIN prom_api.matcher_positive AS integer[] NOT NULL;
CREATE DOMAIN prom_api.matcher_negative AS integer[] NOT NULL;

CREATE TABLE _prom_catalog.series (
    id bigint NOT NULL,
    metric_id integer NOT NULL,
    labels prom_api.label_array NOT NULL,
    delete_epoch bigint NULL DEFAULT NULL
) PARTITION BY LIST (metric_id);
-- Partitioned indexes as created by connector <= 0.10 (dropped again by 020).
CREATE INDEX series_labels_id ON _prom_catalog.series USING gin (labels);
CREATE INDEX series_deleted ON _prom_catalog.series (delete_epoch, id) WHERE delete_epoch IS NOT NULL;
CREATE SEQUENCE _prom_catalog.series_id;

CREATE TABLE _prom_catalog.label (
    id serial CHECK (id > 0),
    key text,
    value text,
    PRIMARY KEY (id) INCLUDE (key, value),
    UNIQUE (key, value) INCLUDE (id)
);
CREATE TABLE _prom_catalog.ids_epoch (
    current_epoch bigint NOT NULL,
    last_update_time timestamptz NOT NULL,
    is_unique boolean NOT NULL DEFAULT true CHECK (is_unique = true),
    UNIQUE (is_unique)
);
INSERT INTO _prom_catalog.ids_epoch VALUES (0, '1970-01-01 00:00:00 UTC', true);
CREATE TABLE _prom_catalog.label_key (
    id serial PRIMARY KEY,
    key text UNIQUE,
    value_column_name name,
    id_column_name name
);
CREATE TABLE _prom_catalog.label_key_position (
    metric_name text,
    key text,
    pos integer,
    UNIQUE (metric_name, key) INCLUDE (pos)
);
CREATE TABLE _prom_catalog.metric (
    id serial PRIMARY KEY,
    metric_name text NOT NULL,
    table_name name NOT NULL,
    creation_completed boolean NOT NULL DEFAULT false,
    default_chunk_interval boolean NOT NULL DEFAULT true,
    retention_period interval DEFAULT NULL,
    default_compression boolean NOT NULL DEFAULT true,
    delay_compression_until timestamptz DEFAULT NULL,
    table_schema name NOT NULL DEFAULT 'prom_data',
    series_table name NOT NULL,
    is_view boolean NOT NULL DEFAULT false,
    UNIQUE (metric_name, table_schema) INCLUDE (table_name),
    UNIQUE (table_schema, table_name)
);
CREATE TABLE _prom_catalog."default" (
    key text PRIMARY KEY,
    value text
);
INSERT INTO _prom_catalog."default" (key, value) VALUES
    ('chunk_interval', (interval '8 hours')::text),
    ('retention_period', (90 * interval '1 day')::text),
    ('metric_compression', 'true'),
    ('trace_retention_period', (30 * interval '1 day')::text);
CREATE TABLE _prom_catalog.remote_commands (
    key text PRIMARY KEY,
    seq serial,
    transactional boolean,
    command text
);
