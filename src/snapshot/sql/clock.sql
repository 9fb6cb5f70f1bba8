-- The wall clock now, in epoch seconds (a float8).
SELECT extract(epoch FROM pg_catalog.clock_timestamp())::pg_catalog.float8
