ALTER TABLE _ps_trace.operation DROP CONSTRAINT IF EXISTS operation_span_name_check;
