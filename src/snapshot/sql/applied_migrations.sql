-- The incremental migrations Promscale recorded as applied. Read only after
-- readable_one (read.rs) vouched for the table (a plain table, member of
-- promscale, name of type text); ONLY: no child table is read.
-- A JSON array of text.
SELECT pg_catalog.to_json(COALESCE(pg_catalog.array_agg(m.name), '{}'::pg_catalog.text[]))::pg_catalog.text
FROM ONLY _ps_catalog.migration m
