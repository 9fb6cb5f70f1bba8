-- The refusal counter (an int8): manual updates the event trigger refused since the guard was installed.
SELECT coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'), 0)
