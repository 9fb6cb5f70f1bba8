-- The public tracing views.
CREATE OR REPLACE VIEW ps_trace.span AS
SELECT s.trace_id, s.span_id, s.trace_state, s.parent_span_id, s.parent_span_id IS NULL AS is_root_span,
       o.span_name, o.span_kind, s.start_time, s.end_time, s.duration_ms, s.span_tags, s.dropped_tags_count,
       s.event_time, s.dropped_events_count, s.dropped_link_count, s.status_code, s.status_message,
       s.instrumentation_lib_id, s.resource_tags, s.resource_dropped_tags_count, s.resource_schema_url_id
FROM _ps_trace.span s
LEFT JOIN _ps_trace.operation o ON o.id = s.operation_id;
GRANT SELECT ON ps_trace.span TO prom_reader;

CREATE OR REPLACE VIEW ps_trace.event AS
SELECT e.time, e.trace_id, e.span_id, e.event_nbr, e.name, e.tags, e.dropped_tags_count
FROM _ps_trace.event e;
GRANT SELECT ON ps_trace.event TO prom_reader;

CREATE OR REPLACE VIEW ps_trace.link AS
SELECT k.trace_id, k.span_id, k.span_start_time, k.linked_trace_id, k.linked_span_id, k.link_nbr,
       k.trace_state, k.tags, k.dropped_tags_count
FROM _ps_trace.link k;
GRANT SELECT ON ps_trace.link TO prom_reader;
