-- The newest last_seen of Promscale's metric metadata (epoch seconds), set
-- on every metadata batch a connector ingests. Read only after
-- readable_one (read.rs) vouched for the table; ONLY: no child table is read.
SELECT EXTRACT(epoch FROM pg_catalog.max(m.last_seen))::pg_catalog.float8 FROM ONLY _prom_catalog.metadata m
