CREATE TABLE _prom_catalog.exemplar_label_key_position (
    metric_name text NOT NULL,
    key text NOT NULL,
    pos integer NOT NULL,
    PRIMARY KEY (metric_name, key) INCLUDE (pos)
);
CREATE TABLE _prom_catalog.exemplar (
    id serial PRIMARY KEY,
    metric_name text NOT NULL UNIQUE,
    table_name name NOT NULL UNIQUE
);
