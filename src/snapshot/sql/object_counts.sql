-- The Promscale objects an upgrade can lock that are not relations, counted
-- from the catalog for the fixed schemas only (never a whole catalog: the
-- relations, hundreds of thousands on a large database, are counted by the
-- heap pass in pg_class_scan.rs, which passes the fixed schemas' relations
-- as $1, so that their constraints, triggers and defaults are found by
-- index, and the fixed schemas as $2; which schema is which is decided there,
-- in relation_tally.rs), and the system catalogs and views the lock model
-- names as $3. Never opens a Promscale table. Kept by the backend until
-- the extension, its members or an invalidation of these catalogs says it
-- changed (kept.rs).
WITH promscale_ext AS (
    SELECT e.oid, e.extnamespace FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'promscale'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, promscale_ext e
    WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND d.refobjid OPERATOR(pg_catalog.=) e.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
), member_routines AS (
    SELECT m.objid FROM members m WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
), fixed_routines AS (
    SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.oid[])
), catalogs AS (
    -- Each named catalog or view, its indexes, its toast table and toast index.
    SELECT c.relname, 1 OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_index i
                                                 WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid)
                        OPERATOR(pg_catalog.+) CASE WHEN c.reltoastrelid OPERATOR(pg_catalog.<>) 0 THEN 2 ELSE 0 END
                      AS relations
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
      AND c.relname OPERATOR(pg_catalog.=) ANY ($3::pg_catalog.text[])
)
SELECT pg_catalog.json_build_object(
    'objects', pg_catalog.json_build_object(
        'routines', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc p
                     WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.oid[])),
        -- The types of the Promscale schemas that are not a relation's row
        -- type (domains, enums, base and range types), each with its array
        -- type: found through their dependency on the schema, by index (the
        -- row types and their array types are counted with the relations).
        'types', (SELECT pg_catalog.count(*) OPERATOR(pg_catalog.+)
                         pg_catalog.count(*) FILTER (WHERE t.typarray OPERATOR(pg_catalog.<>) 0)
                  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) d.objid
                  WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
                    AND d.refobjid OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.oid[])
                    AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.deptype OPERATOR(pg_catalog.=) 'n'),
        -- A table's constraints live in its schema; the rest with no table
        -- (domain constraints) are few. pg_constraint holds a constraint per
        -- chunk: never scanned as a whole.
        'constraints', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[]))
                       OPERATOR(pg_catalog.+)
                       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid OPERATOR(pg_catalog.=) 0
                          AND k.connamespace OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.oid[])),
        'triggers', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger g
                     WHERE g.tgrelid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])),
        'operators', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator o
                      WHERE o.oprnamespace OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.oid[])),
        'column_defaults', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attrdef a
                            WHERE a.adrelid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])),
        -- What an update re-creates or re-owns: the members by class.
        'extension_routines', (SELECT pg_catalog.count(*) FROM member_routines),
        'extension_operators', (SELECT pg_catalog.count(*) FROM members m
                                WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass),
        'extension_operator_classes', (SELECT pg_catalog.count(*) FROM members m
                                       WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_opclass'::pg_catalog.regclass),
        'extension_operator_families', (SELECT pg_catalog.count(*) FROM members m
                                        WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_opfamily'::pg_catalog.regclass),
        'extension_casts', (SELECT pg_catalog.count(*) FROM members m
                            WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_cast'::pg_catalog.regclass),
        'extension_types', (SELECT pg_catalog.count(*) FROM members m
                            WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass),
        -- The member schemas, and the extension's own schema when it is not one.
        'extension_schemas', (SELECT pg_catalog.count(*) FROM members m
                              WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass)
                             OPERATOR(pg_catalog.+)
                             (SELECT pg_catalog.count(*) FROM promscale_ext e
                              -- NOT IN, spelled as the parser expands it.
                              WHERE NOT (('pg_catalog.pg_namespace'::pg_catalog.regclass, e.extnamespace)
                                         OPERATOR(pg_catalog.=) ANY (SELECT * FROM members))),
        -- Sequences are not touched by an update.
        'extension_relations', (SELECT pg_catalog.count(*) FROM members m
                                JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) m.objid
                                WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm']::pg_catalog."char"[])),
        -- Objects the re-created routines point at that are not members:
        -- recording a dependency locks its target. Pinned objects (built-in
        -- types) get no dependency and no lock.
        'referenced_types', (SELECT pg_catalog.count(DISTINCT d.refobjid) FROM member_routines r
                             JOIN pg_catalog.pg_depend d
                               ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                              AND d.objid OPERATOR(pg_catalog.=) r.objid
                             WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                               AND NOT (('pg_catalog.pg_type'::pg_catalog.regclass, d.refobjid)
                                        OPERATOR(pg_catalog.=) ANY (SELECT * FROM members))),
        -- Roles that own Promscale objects or are named in their GRANTs
        -- (the bootstrap superuser is pinned: no entry, no lock).
        'referenced_roles', (SELECT pg_catalog.count(DISTINCT s.refobjid)
                             FROM (SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass AS classid, r.objid FROM member_routines r
                                   UNION SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, f.oid FROM fixed_routines f
                                   UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, pg_catalog.unnest($1::pg_catalog.oid[])
                                   UNION ALL SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass,
                                                    pg_catalog.unnest($2::pg_catalog.oid[])) o
                             JOIN pg_catalog.pg_shdepend s
                               ON s.dbid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                                                 WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
                              AND s.classid OPERATOR(pg_catalog.=) o.classid AND s.objid OPERATOR(pg_catalog.=) o.objid
                             WHERE s.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::pg_catalog.regclass),
        -- Procedural languages of the routines that are not built in (the
        -- built-in ones are pinned: nothing points at them in pg_depend but,
        -- before PostgreSQL 15, the pin entry itself, deptype 'p').
        'referenced_languages', (SELECT pg_catalog.count(*) FROM (
                                     SELECT DISTINCT p.prolang FROM pg_catalog.pg_proc p
                                     WHERE p.oid OPERATOR(pg_catalog.=) ANY (SELECT r.objid FROM member_routines r
                                                                             UNION SELECT f.oid FROM fixed_routines f)) l
                                 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                               WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_language'::pg_catalog.regclass
                                                 AND d.refobjid OPERATOR(pg_catalog.=) l.prolang
                                                 AND d.deptype OPERATOR(pg_catalog.<>) 'p')),
        'extension_itself', (SELECT pg_catalog.count(*) FROM promscale_ext)
    ),
    'catalog_relations', (SELECT coalesce(pg_catalog.json_object_agg(c.relname, c.relations), '{}') FROM catalogs c)
)::pg_catalog.text
