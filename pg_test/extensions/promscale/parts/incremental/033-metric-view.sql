-- 0.8.0 changes the columns of prom_info.metric: drop it (no CASCADE) and
-- let the idempotent part recreate it; user views on it make this fail.
BEGIN
    DROP VIEW IF EXISTS prom_info.metric;
    DROP FUNCTION IF EXISTS _prom_catalog.metric_view();
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE EXCEPTION dependent_objects_still_exist USING
        MESSAGE = 'cannot drop view prom_info.metric because other objects depend on it',
        DETAIL = 'The signature of prom_info.metric is changing. Dependent objects need to be dropped before the upgrade, and recreated afterwards.',
        HINT = 'Drop any objects that depend on prom_info.metric';
END;
