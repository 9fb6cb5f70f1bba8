-- Maintenance jobs become one job per signal and kind. The stand-in creates
-- the types and the job-registration function; TimescaleDB's job scheduler is
-- not modeled, so no job is registered.
CREATE TYPE _ps_catalog.signal_type AS ENUM ('metrics', 'traces');
GRANT USAGE ON TYPE _ps_catalog.signal_type TO prom_maintenance;
CREATE TYPE _ps_catalog.job_type AS ENUM ('retention', 'compression');
GRANT USAGE ON TYPE _ps_catalog.job_type TO prom_maintenance;
CREATE FUNCTION _prom_catalog.add_job(proc regproc, schedule_interval interval, config jsonb = NULL)
RETURNS integer LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $f$ SELECT NULL::integer $f$;
REVOKE ALL ON FUNCTION _prom_catalog.add_job(regproc, interval, jsonb) FROM public;
