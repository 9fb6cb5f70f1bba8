-- The Promscale objects an upgrade can lock that are not relations, counted
-- from the catalog for the fixed schemas only (never a whole catalog: the
-- relations, hundreds of thousands on a large database, are counted by the
-- heap pass in pg_class_scan.rs, which passes the fixed schemas' relations
-- as $1, so that their constraints, triggers and defaults are found by
-- index, and the fixed schemas as $2; which schema is which is decided there,
-- in relation_tally.rs). Never opens a Promscale table.
WITH promscale_ext AS (
    SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'promscale'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, promscale_ext e
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid AND d.deptype = 'e'
)
SELECT pg_catalog.json_build_object(
    'objects', pg_catalog.json_build_object(
        'routines', (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = ANY ($2::oid[])),
        -- The extension's types that are not a relation's row type (domains,
        -- enums, ranges; few, found through its members); the row types are
        -- counted with the relations.
        'types', (SELECT count(*) FROM members m JOIN pg_catalog.pg_type t ON t.oid = m.objid
                  WHERE m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid = 0
                    AND t.typcategory <> 'A'),
        -- A table's constraints live in its schema; the rest with no table
        -- (domain constraints) are few. pg_constraint holds a constraint per
        -- chunk: never scanned as a whole.
        'constraints', (SELECT count(*) FROM pg_catalog.pg_constraint k WHERE k.conrelid = ANY ($1::oid[]))
                       + (SELECT count(*) FROM pg_catalog.pg_constraint k
                          WHERE k.conrelid = 0 AND k.connamespace = ANY ($2::oid[])),
        'triggers', (SELECT count(*) FROM pg_catalog.pg_trigger g WHERE g.tgrelid = ANY ($1::oid[])),
        'operators', (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace = ANY ($2::oid[])),
        'column_defaults', (SELECT count(*) FROM pg_catalog.pg_attrdef a WHERE a.adrelid = ANY ($1::oid[])),
        'extension_routines', (SELECT count(*) FROM members m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass),
        'extension_views', (SELECT count(*) FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.objid
                            WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.relkind IN ('v', 'm'))
    ),
    -- The database's insert counter: every sample a connector ingests is an
    -- insert.
    'database_rows_inserted', pg_catalog.pg_stat_get_db_tuples_inserted(
        (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
)::text
