-- Enforcement on a pre-0.11 database (connector 0.10 schema, old extension
-- 0.3.2): CREATE EXTENSION promscale in any form is the takeover, refused
-- without the connector's migration lock; with it, one transaction is one
-- log row.
\set QUIET on
\set ECHO none
CREATE EXTENSION timescaledb;
\set old_extension 0.3.2
\set metrics 2
\set spans 10
\ir ../fixtures/legacy-0.10.sql
\set ON_ERROR_STOP off
\set ECHO all
\set QUIET off
CREATE EXTENSION promscale_upgrade_guard;
-- The old extension is installed: CREATE of an installed extension is
-- PostgreSQL's business, and so is dropping it.
CREATE EXTENSION IF NOT EXISTS promscale;
DROP EXTENSION promscale;
-- Now every form is the takeover.
CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE EXTENSION IF NOT EXISTS promscale VERSION '0.8.0' CASCADE;
CREATE EXTENSION promscale;
SELECT count(*) AS promscale_installed FROM pg_extension WHERE extname = 'promscale';
-- The connector 0.15+ does it in one transaction, holding its lock.
SELECT pg_advisory_lock(5585198506344173278);
BEGIN;
CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0';
ALTER EXTENSION promscale UPDATE TO '0.8.0';
COMMIT;
SELECT pg_advisory_unlock(5585198506344173278);
SELECT kind, from_version, to_version, allowed_by, commands, locks_held > 300 AS many_locks,
       locks_estimated >= locks_held AS estimate_covers_held
FROM promscale_upgrade_guard.upgrade_log ORDER BY started_at;
