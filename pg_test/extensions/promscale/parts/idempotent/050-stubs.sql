-- The rest of the routines, as stubs: the names and argument lists of the
-- real ones (connector 0.10's set, with the changes of later extension
-- versions), trivial bodies. They are what makes the fixed block of an update
-- (one lock per re-created/re-owned routine) resemble the real one; nothing
-- calls them. Written out one statement each, as the real idempotent scripts
-- write their routines (so that a static reading of the script sees them);
-- @since/@until select versions (gen.sh).
CREATE OR REPLACE FUNCTION _prom_catalog.compress_chunk_for_metric(metric_table text, chunk_schema_name name, chunk_table_name name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.create_label_key(new_key text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.create_metric_view(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.create_series(metric_id integer, metric_table_name name, label_array prom_api.label_array) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.create_series_view(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.decompress_chunk_for_metric(metric_table text, chunk_schema_name name, chunk_table_name name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.delay_compression_job(ht_table name, new_start timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.delete_expired_series(metric_schema text, metric_table text, metric_series_table text, ran_at timestamp with time zone, present_epoch bigint, last_updated_epoch timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.delete_series_catalog_row(metric_table name, series_ids bigint[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.delete_series_from_metric(name text, series_ids bigint[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.drop_metric_chunk_data(schema_name text, metric_name text, older_than timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.epoch_abort(user_epoch bigint) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_advisory_lock_prefix_job() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_advisory_lock_prefix_maintenance() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_cagg_info(metric_schema text, metric_table text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.4
CREATE OR REPLACE FUNCTION _prom_catalog.get_confirmed_unused_series(metric_schema name, metric_table name, series_table name, potential_series_ids bigint[], check_time timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.get_exemplar_label_key_positions(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_first_level_view_on_metric(metric_schema text, metric_table text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_label_key_column_name_for_view(label_key text, id boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_metric_compression_setting(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_metric_retention_period(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_metric_retention_period(schema_name text, metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.8.0
CREATE OR REPLACE FUNCTION _prom_catalog.get_metrics_that_need_compression() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.get_metrics_that_need_drop_chunk() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_new_label_id(key_name text, value_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.get_new_pos_for_key(metric_name text, metric_table name, key_name_array text[], is_for_exemplar boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_array(metric_name text, label_keys text[], label_values text[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_array(js jsonb) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_ids(metric_name text, metric_table name, label_keys text[], label_values text[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_key(key text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_label_key_pos(metric_name text, key text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_series_id(label jsonb) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_series_id_for_kv_array(metric_name text, label_keys text[], label_values text[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_or_create_series_id_for_label_array(metric_id integer, table_name name, larray prom_api.label_array) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_staggered_chunk_interval(chunk_interval interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_storage_hypertable_info(metric_schema_name text, metric_table_name text, is_view boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_timescale_major_version() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.get_timescale_minor_version() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_compression_stats_for_schema(schema_name_in name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_local_size(schema_name_in name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_node_up(schema_name_in name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_remote_size(schema_name_in name) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.insert_exemplar_row(metric_table name, time_array timestamp with time zone[], series_id_array bigint[], exemplar_label_values_array prom_api.label_value_array[], value_array double precision[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.insert_metric_row(metric_table name, time_array timestamp with time zone[], value_array double precision[], series_id_array bigint[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.is_multinode() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.is_timescaledb_oss() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.3
CREATE OR REPLACE FUNCTION _prom_catalog.mark_unused_series(metric_schema text, metric_table text, metric_series_table text, older_than timestamp with time zone, check_time timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION _prom_catalog.pg_name_with_suffix(full_name text, suffix text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.resurrect_series_ids(metric_table name, series_id bigint) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.safe_approximate_row_count(table_name_input regclass) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.set_app_name(full_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.set_chunk_interval_on_metric_table(metric_name text, new_interval interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.try_change_leader(cluster text, new_leader text, max_time timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _prom_catalog.update_lease(cluster text, writer text, min_time timestamp with time zone, max_time timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _ps_catalog.apply_telemetry(telemetry_name text, telemetry_value text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _ps_catalog.promscale_sql_telemetry() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION _ps_catalog.promscale_telemetry_housekeeping(telemetry_sync_duration interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_equals(_op ps_tag.tag_op_equals) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_greater_than(_op ps_tag.tag_op_greater_than) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_greater_than_or_equal(_op ps_tag.tag_op_greater_than_or_equal) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_jsonb_path_exists(_op ps_tag.tag_op_jsonb_path_exists) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_less_than(_op ps_tag.tag_op_less_than) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_less_than_or_equal(_op ps_tag.tag_op_less_than_or_equal) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_not_equals(_op ps_tag.tag_op_not_equals) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_regexp_matches(_op ps_tag.tag_op_regexp_matches) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_regexp_not_matches(_op ps_tag.tag_op_regexp_not_matches) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @until 0.5.0
CREATE OR REPLACE FUNCTION _ps_trace.eval_tags_by_key(_key ps_trace.tag_k) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
CREATE OR REPLACE FUNCTION prom_api.config_maintenance_jobs(number_jobs integer, new_schedule_interval interval, new_config jsonb) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.get_metric_metadata(metric_family_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.get_multiple_metric_metadata(metric_families text[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.label_key_position(metric_name text, key text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.labels_info(labels integer[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.register_metric_view(schema_name name, view_name name, if_not_exists boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.reset_metric_chunk_interval(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.reset_metric_compression_setting(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.reset_metric_retention_period(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.reset_metric_retention_period(schema_name text, metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_compression_on_metric_table(metric_table_name text, compression_setting boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_default_compression_setting(compression_setting boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_metric_chunk_interval(metric_name text, chunk_interval interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_metric_compression_setting(metric_name text, new_compression_setting boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_metric_retention_period(metric_name text, new_retention_period interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.set_metric_retention_period(schema_name text, metric_name text, new_retention_period interval) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION prom_api.unregister_metric_view(schema_name name, view_name name, if_exists boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.downstream_spans(_trace_id ps_trace.trace_id, _span_id bigint, _max_dist integer) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.operation_calls(_start_time_min timestamp with time zone, _start_time_max timestamp with time zone) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.sibling_spans(_trace_id ps_trace.trace_id, _span_id bigint) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.span_tree(_trace_id ps_trace.trace_id, _span_id bigint, _max_dist integer) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.trace_tree(_trace_id ps_trace.trace_id) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE FUNCTION ps_trace.upstream_spans(_trace_id ps_trace.trace_id, _span_id bigint, _max_dist integer) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE OR REPLACE PROCEDURE _prom_catalog.compress_metric_chunks(metric_name text) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.compress_old_chunks(metric_table text, compress_before timestamp with time zone) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.decompress_chunks_after(metric_table name, min_time timestamp with time zone, transactional boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.do_decompress_chunks_after(metric_table name, min_time timestamp with time zone, transactional boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.drop_metric_chunks(schema_name text, metric_name text, older_than timestamp with time zone, ran_at timestamp with time zone, log_verbose boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.execute_compression_policy(log_verbose boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.execute_data_retention_policy(log_verbose boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.execute_everywhere(command_key text, command text, transactional boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.execute_maintenance_job(job_id integer, config jsonb) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _prom_catalog.update_execute_everywhere_entry(command_key text, command text, transactional boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _ps_trace.drop_event_chunks(_older_than timestamp with time zone) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _ps_trace.drop_link_chunks(_older_than timestamp with time zone) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _ps_trace.drop_span_chunks(_older_than timestamp with time zone) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE _ps_trace.execute_data_retention_policy(log_verbose boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE prom_api.add_prom_node(node_name text, attach_to_existing_metrics boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
CREATE OR REPLACE PROCEDURE prom_api.execute_maintenance(log_verbose boolean) LANGUAGE plpgsql AS 'BEGIN NULL; END';
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_compression_stats_for_schema(schema_name_in text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_local_size(schema_name_in text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_node_up(schema_name_in text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.hypertable_remote_size(schema_name_in text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.get_new_pos_for_key(metric_name text, metric_table text, key_name_array text[], is_for_exemplar boolean) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION _prom_catalog.delete_series_catalog_row(metric_table text, series_ids bigint[]) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.0
-- @until 0.5.3
CREATE OR REPLACE FUNCTION _prom_catalog.create_ingest_temp_table(table_name text, metric_schema text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
-- @until 0.5.4
CREATE OR REPLACE FUNCTION _prom_catalog.get_confirmed_unused_series(metric_schema text, metric_table text, series_table text, potential_series_ids bigint[], check_time timestamptz) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.3
CREATE OR REPLACE FUNCTION _prom_catalog.mark_series_to_be_dropped_as_unused(metric_schema text, metric_table text, metric_series_table text, check_time timestamptz) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION prom_api.get_metric_retention_period(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.1
CREATE OR REPLACE FUNCTION prom_api.get_metric_retention_period(schema_name text, metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.6.0
CREATE OR REPLACE FUNCTION prom_api.get_default_chunk_interval() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.6.0
CREATE OR REPLACE FUNCTION prom_api.get_metric_chunk_interval(metric_name text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.6.0
CREATE OR REPLACE FUNCTION _ps_trace.text_matches(tag_key text, pattern text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.6.0
CREATE OR REPLACE FUNCTION _ps_trace.tag_v_text_eq_matching_tags(_key ps_trace.tag_k, _val text) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.8.0
CREATE OR REPLACE FUNCTION _prom_catalog.get_metrics_that_need_compression_by_chunk() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.8.0
CREATE OR REPLACE FUNCTION prom_api.config_maintenance_jobs(signal _ps_catalog.signal_type, job_type _ps_catalog.job_type, number_jobs integer, new_schedule_interval interval, new_config jsonb) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.8.0
CREATE OR REPLACE FUNCTION _ps_catalog.promscale_telemetry_active_series() RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
-- @since 0.5.3
CREATE OR REPLACE FUNCTION _prom_catalog.epoch_abort_warning(user_epoch bigint) RETURNS void LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
-- @end
