-- The schema of the guard's SQL functions (where CREATE EXTENSION put
-- them), quoted as an identifier, for the SQL its messages ask a person to
-- run (quote::guard_call). NULL when the guard is not installed.
SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text)
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
WHERE e.extname OPERATOR(pg_catalog.=) 'promscale_upgrade_guard'
