-- Update paths from the installed promscale version ($1) and from the
-- takeover version 0.0.0: what ALTER EXTENSION promscale UPDATE could walk.
-- Only run when promscale has a control file (the function errors otherwise).
SELECT pg_catalog.json_build_object('promscale_update_paths', coalesce(pg_catalog.json_agg(
           pg_catalog.json_build_object('source', p.source, 'target', p.target, 'path', p.path)
           ORDER BY p.source, p.target), '[]'))::pg_catalog.text
FROM pg_catalog.pg_extension_update_paths('promscale') AS p
WHERE p.path IS NOT NULL AND (p.source OPERATOR(pg_catalog.=) $1 OR p.source OPERATOR(pg_catalog.=) '0.0.0')
