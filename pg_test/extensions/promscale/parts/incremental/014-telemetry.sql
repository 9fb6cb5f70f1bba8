CREATE TABLE _ps_catalog.promscale_instance_information (
    uuid uuid NOT NULL PRIMARY KEY,
    last_updated timestamptz NOT NULL,
    promscale_ingested_samples_total bigint DEFAULT 0 NOT NULL,
    promscale_ingested_spans_total bigint DEFAULT 0 NOT NULL,
    is_counter_reset_row boolean DEFAULT false NOT NULL
);
