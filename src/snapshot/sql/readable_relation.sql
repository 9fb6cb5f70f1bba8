-- Whether the guard may read relation $1.$2 without running anyone's code:
-- it must be of relkind $3 in exactly that schema (never found through the
-- search_path or in a temporary schema), without row-level security, a
-- member of extension $4 when that extension is installed, and its column
-- $5 (if given) of type $6. A view, a foreign table or a policy would run
-- the code of whoever made it as the caller; a column of another type could
-- bring a cast of its owner's. Looked up by name in the catalog:
-- to_regclass() would need USAGE on the schema, which pg_monitor lacks.
-- Returns the relation's oid when it may be read, or why it is ignored.
-- One row always: NULL when there is no such relation.
SELECT (SELECT pg_catalog.json_build_object(
    'oid', CASE WHEN r.problem IS NULL AND r.readable THEN r.oid::pg_catalog.int8 END,
    'ignored', r.problem
) FROM (
    SELECT c.oid,
           pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
               AND pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,
           CASE
               WHEN c.relkind OPERATOR(pg_catalog.<>) $3::pg_catalog."char"
                   THEN 'it is not a ' OPERATOR(pg_catalog.||)
                        CASE WHEN $3::pg_catalog."char" OPERATOR(pg_catalog.=) 'S' THEN 'sequence' ELSE 'plain table' END
               WHEN c.relrowsecurity THEN 'it has row-level security'
               WHEN e.oid IS NOT NULL AND NOT EXISTS (
                        SELECT FROM pg_catalog.pg_depend d
                        WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                          AND d.objid OPERATOR(pg_catalog.=) c.oid
                          AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                          AND d.refobjid OPERATOR(pg_catalog.=) e.oid
                          AND d.deptype OPERATOR(pg_catalog.=) 'e')
                   THEN 'it is not a member of extension ' OPERATOR(pg_catalog.||) $4
               WHEN $5 IS NOT NULL AND NOT EXISTS (
                        SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid
                          AND a.attname OPERATOR(pg_catalog.=) $5::pg_catalog.name
                          AND a.atttypid OPERATOR(pg_catalog.=) $6::pg_catalog.regtype
                          AND NOT a.attisdropped)
                   THEN 'its column ' OPERATOR(pg_catalog.||) $5 OPERATOR(pg_catalog.||) ' is not of type ' OPERATOR(pg_catalog.||) $6
           END AS problem
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    LEFT JOIN pg_catalog.pg_extension e ON e.extname OPERATOR(pg_catalog.=) $4
    WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) $2
      AND c.relpersistence OPERATOR(pg_catalog.<>) 't'
) r)::pg_catalog.text
