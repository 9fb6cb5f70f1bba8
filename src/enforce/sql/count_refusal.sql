-- Before the refusal counter advances (as the sequences' owner, under a
-- pinned search_path): the first refusal since the server started records
-- the start time and the count before it, so that the metrics view can say
-- "since start". setval is not transactional: it survives the refusal's
-- rollback.
SELECT pg_catalog.setval('promscale_upgrade_guard.refused_before_server_start'::pg_catalog.regclass,
           COALESCE(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'::pg_catalog.regclass), 0)),
       pg_catalog.setval('promscale_upgrade_guard.refusals_server_start'::pg_catalog.regclass,
           EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time())::pg_catalog.int8)
WHERE COALESCE(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refusals_server_start'::pg_catalog.regclass)
                   OPERATOR(pg_catalog.<>) EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time())::pg_catalog.int8,
               true)
