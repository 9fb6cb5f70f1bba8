DROP TABLE IF EXISTS public.prom_installation_info;
