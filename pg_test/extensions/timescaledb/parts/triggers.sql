CREATE EVENT TRIGGER timescaledb_standin_alter_table ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION _timescaledb_internal.standin_process_alter_table();
CREATE EVENT TRIGGER timescaledb_standin_ddl_drop ON sql_drop
    EXECUTE FUNCTION _timescaledb_internal.standin_process_ddl_drop();
