-- The refusals since the server started (an int8): 0 when none was counted since then.
SELECT CASE WHEN pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refusals_server_start')
                 OPERATOR(pg_catalog.=) extract(epoch FROM pg_catalog.pg_postmaster_start_time())::pg_catalog.int8
            THEN coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'), 0)
                 OPERATOR(pg_catalog.-)
                 coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_before_server_start'), 0)
            ELSE 0 END
