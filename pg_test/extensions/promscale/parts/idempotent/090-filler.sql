-- Filler routines: the real extension has more routines than the stand-in
-- writes out (about 200 in connector 0.10, about 230 in extension 0.8.0).
-- These do nothing; they bring the number of routines, and so the locks an
-- update takes on them, to the real ballpark (none in the connector-0.10
-- flavour). Written out one statement each, as the real scripts write theirs.
-- @since 0.5.0
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_001() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_002() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 2';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_003() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 3';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_004() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 4';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_005() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 5';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_006() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 6';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_007() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 7';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_008() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 8';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_009() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 9';
CREATE OR REPLACE FUNCTION _prom_catalog.standin_filler_010() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 10';
-- @end
