-- Settings still at their initial value are removed from _prom_catalog.default
-- (the view _prom_catalog.initial_default, idempotent part, supplies them).
DELETE FROM _prom_catalog."default" d
WHERE (d.key, d.value) IN (VALUES
    ('chunk_interval', (interval '8 hours')::text),
    ('retention_period', (90 * interval '1 day')::text),
    ('metric_compression', 'true'),
    ('trace_retention_period', (30 * interval '1 day')::text));
