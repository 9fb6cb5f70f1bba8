-- 2.9: chunk.osm_chunk (tiered-storage chunk flag), last column as in 2.9.
ALTER TABLE _timescaledb_catalog.chunk ADD COLUMN IF NOT EXISTS osm_chunk boolean NOT NULL DEFAULT false;
