CREATE TABLE _prom_catalog.metadata (
    last_seen timestamptz NOT NULL,
    metric_family text NOT NULL,
    type text DEFAULT NULL,
    unit text DEFAULT NULL,
    help text DEFAULT NULL,
    PRIMARY KEY (metric_family, type, help, unit)
);
CREATE INDEX metadata_index ON _prom_catalog.metadata (metric_family, last_seen);
