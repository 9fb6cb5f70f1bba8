-- Every object of the guard: a comment, a pinned search_path, and EXECUTE
-- for pg_monitor but not for PUBLIC.
CREATE EXTENSION promscale_upgrade_guard;
SELECT p.proname,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment,
       p.proconfig,
       has_function_privilege('pg_monitor', p.oid, 'EXECUTE') AS pg_monitor_can_execute,
       EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public_can_execute
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'promscale_upgrade_guard'
ORDER BY p.proname;
-- Relations (the upgrade log, the refusal counter, the metrics view) and the schema.
SELECT c.oid::regclass AS relation, c.relkind,
       obj_description(c.oid, 'pg_class') IS NOT NULL AS has_comment,
       has_table_privilege('pg_monitor', c.oid, 'SELECT') AS pg_monitor_can_select,
       EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0) AS public_has_privileges
FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'promscale_upgrade_guard'
ORDER BY 1::text;
SELECT n.nspname, obj_description(n.oid, 'pg_namespace') IS NOT NULL AS has_comment
FROM pg_namespace n
JOIN pg_depend d ON d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'promscale_upgrade_guard';
SELECT evtname, evtenabled, evttags, obj_description(t.oid, 'pg_event_trigger') IS NOT NULL AS has_comment
FROM pg_event_trigger t WHERE evtname LIKE '%promscale%';
SELECT obj_description(e.oid, 'pg_extension') IS NOT NULL AS extension_has_comment
FROM pg_extension e WHERE e.extname = 'promscale_upgrade_guard';
-- A plain role cannot call the report; a pg_monitor member can.
CREATE ROLE guard_plain_role;
CREATE ROLE guard_monitor_role IN ROLE pg_monitor;
SET ROLE guard_plain_role;
SELECT promscale_upgrade_ready();
RESET ROLE;
SET ROLE guard_monitor_role;
SELECT count(*) > 0 AS monitor_sees_checks FROM promscale_upgrade_checks();
RESET ROLE;
DROP ROLE guard_plain_role;
DROP ROLE guard_monitor_role;
