-- Whether the current role may read pg_file_settings (superusers only by default): a bool.
SELECT pg_catalog.has_function_privilege('pg_catalog.pg_show_all_file_settings()', 'EXECUTE')
