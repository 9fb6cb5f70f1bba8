GRANT prom_reader, prom_writer, prom_modifier, prom_maintenance, prom_admin TO CURRENT_USER WITH ADMIN OPTION;
