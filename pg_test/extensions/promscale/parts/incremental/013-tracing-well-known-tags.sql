INSERT INTO _ps_trace.tag_key (id, tag_type, key) OVERRIDING SYSTEM VALUE VALUES
    (1, 1, 'service.name'), (2, 1, 'service.namespace'), (3, 1, 'service.instance.id'),
    (4, 1, 'telemetry.sdk.name'), (5, 2, 'http.method'), (6, 2, 'http.status_code'),
    (7, 2, 'db.system'), (8, 2, 'db.statement');
ALTER TABLE _ps_trace.tag_key ALTER COLUMN id RESTART WITH 1000;
