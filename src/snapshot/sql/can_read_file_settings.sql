-- Whether the current role may read pg_file_settings (superusers only by default): a bool.
SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT')
