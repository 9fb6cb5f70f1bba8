-- @since 0.5.0
-- Runs last in every install and update (as the real 999-last.sql):
-- 1. every routine of the extension or in a Promscale schema: REVOKE ALL FROM
--    PUBLIC and OWNER TO the installing role (one lock per routine); every
--    operator, operator class and family of the extension: OWNER TO the
--    installing role (one lock each);
-- 2. every table and sequence of the extension is marked for pg_dump;
-- 3. prom_admin gets USAGE, CREATE on the 13 schemas and ALL on every table
--    and sequence in them (including the per-metric tables; GRANT takes no
--    lock on PostgreSQL <= 17, so this adds nothing per metric there).
DECLARE
    _rec record;
    _schemas text[] := ARRAY['_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
        'prom_data_exemplar', 'prom_data_series', 'prom_info', 'prom_metric', 'prom_series', 'ps_tag', 'ps_trace'];
BEGIN
    FOR _rec IN
        SELECT CASE k.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind,
               n.nspname, k.proname, pg_catalog.pg_get_function_identity_arguments(k.oid) AS args
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_proc k ON k.oid = d.objid
        JOIN pg_catalog.pg_namespace n ON n.oid = k.pronamespace
        WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
          AND d.deptype = 'e' AND e.extname = 'promscale' AND k.prokind IN ('f', 'p')
        UNION
        SELECT CASE k.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, k.proname,
               pg_catalog.pg_get_function_identity_arguments(k.oid)
        FROM pg_catalog.pg_proc k JOIN pg_catalog.pg_namespace n ON n.oid = k.pronamespace
        WHERE k.prokind IN ('f', 'p') AND n.nspname = ANY(_schemas)
        ORDER BY 2, 3, 4
    LOOP
        EXECUTE format('REVOKE ALL ON %s %I.%I(%s) FROM PUBLIC', _rec.kind, _rec.nspname, _rec.proname, _rec.args);
        EXECUTE format('ALTER %s %I.%I(%s) OWNER TO %I', _rec.kind, _rec.nspname, _rec.proname, _rec.args, current_user);
    END LOOP;

    -- Operators, operator classes and operator families of the extension: the
    -- real idempotent scripts CREATE each one and, when it exists already,
    -- give it to the installing role (ALTER ... OWNER TO current_user in the
    -- duplicate_object handler), so every update locks each of them once.
    FOR _rec IN
        SELECT format('OPERATOR %s', o.oid::pg_catalog.regoperator) AS obj
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_operator o ON o.oid = d.objid
        WHERE d.classid = 'pg_catalog.pg_operator'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
          AND d.deptype = 'e' AND e.extname = 'promscale'
        UNION ALL
        SELECT format('OPERATOR CLASS %I.%I USING %I', n.nspname, c.opcname, a.amname)
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_opclass c ON c.oid = d.objid JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
        JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
        WHERE d.classid = 'pg_catalog.pg_opclass'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
          AND d.deptype = 'e' AND e.extname = 'promscale'
        UNION ALL
        SELECT format('OPERATOR FAMILY %I.%I USING %I', n.nspname, f.opfname, a.amname)
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_opfamily f ON f.oid = d.objid JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
        JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
        WHERE d.classid = 'pg_catalog.pg_opfamily'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
          AND d.deptype = 'e' AND e.extname = 'promscale'
        ORDER BY 1
    LOOP
        EXECUTE format('ALTER %s OWNER TO %I', _rec.obj, current_user);
    END LOOP;

    FOR _rec IN
        SELECT n.nspname, k.relname
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_class k ON k.oid = d.objid
        JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
          AND d.deptype = 'e' AND e.extname = 'promscale' AND k.relkind IN ('r', 'p', 'S')
          AND (n.nspname, k.relname) NOT IN (('_ps_catalog', 'migration'), ('_ps_catalog', 'promscale_instance_information'))
        ORDER BY 1, 2
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(format('%I.%I', _rec.nspname, _rec.relname)::regclass,
            CASE _rec.nspname || '.' || _rec.relname
                WHEN '_prom_catalog.remote_commands' THEN 'where seq >= 1000'
                WHEN '_ps_trace.tag_key' THEN 'where id >= 1000'
                ELSE '' END);
    END LOOP;

    FOR _rec IN SELECT unnest(_schemas) AS nspname LOOP
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO prom_admin', _rec.nspname);
    END LOOP;
    FOR _rec IN
        SELECT n.nspname, k.relname, CASE k.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
        FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
        WHERE k.relkind IN ('r', 'p', 'S') AND n.nspname = ANY(_schemas)
        ORDER BY k.relkind, n.nspname, k.relname
    LOOP
        EXECUTE format('GRANT ALL PRIVILEGES ON %s %I.%I TO prom_admin', _rec.kind, _rec.nspname, _rec.relname);
    END LOOP;
END;
-- @end
