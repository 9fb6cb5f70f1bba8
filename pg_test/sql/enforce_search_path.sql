-- The event trigger pins search_path only while it judges a promscale
-- command: a session's own search_path neither changes its verdict nor is
-- changed by it.
CREATE EXTENSION promscale_upgrade_guard;
CREATE EXTENSION timescaledb;
CREATE EXTENSION promscale VERSION '0.7.0';
SELECT proconfig FROM pg_proc WHERE proname = 'enforce_connector_path';
-- Objects that would shadow what the guard's queries call, were they not
-- schema-qualified and pinned.
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.pg_backend_pid() RETURNS integer LANGUAGE sql AS 'SELECT 0';
CREATE FUNCTION shadow.current_database() RETURNS name LANGUAGE sql AS $$SELECT 'elsewhere'::name$$;
CREATE TABLE shadow.pg_locks (locktype text, pid integer, mode text, granted boolean);
SET search_path = shadow, pg_catalog, public;
ALTER EXTENSION promscale UPDATE TO '0.8.0';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SHOW search_path;
SELECT extversion FROM pg_extension WHERE extname = 'promscale';
-- The connector's way still works under the same search_path.
SELECT pg_catalog.pg_advisory_lock(5585198506344173278);
ALTER EXTENSION promscale UPDATE TO '0.8.0';
SHOW search_path;
SELECT extversion FROM pg_extension WHERE extname = 'promscale';
SELECT pg_catalog.pg_advisory_unlock(5585198506344173278);
RESET search_path;
