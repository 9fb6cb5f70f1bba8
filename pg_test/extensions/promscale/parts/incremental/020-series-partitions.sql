-- Move the series indexes from the partitioned parent to the partitions.
-- Dropping the parent's indexes directly would drop the partitions' copies
-- too, so: detach every partition (each keeps its copies), drop the parent's
-- indexes, re-attach, then rename each partition's GIN and delete_epoch
-- indexes to the names make_metric_table gives them now.
DECLARE
    _parts text[];
    _bounds text[];
    _k integer;
    _idx record;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = '_prom_catalog'::regnamespace
               AND relname IN ('series_deleted', 'series_labels_id')) THEN
        -- capture the bounds first: they are gone once detached
        SELECT array_agg(format('%I.%I', n.nspname, c.relname) ORDER BY c.relname),
               array_agg(pg_catalog.pg_get_expr(c.relpartbound, c.oid, true) ORDER BY c.relname)
        INTO _parts, _bounds
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE i.inhparent = '_prom_catalog.series'::regclass AND c.relispartition;
        FOR _k IN 1..coalesce(array_length(_parts, 1), 0) LOOP
            EXECUTE format('ALTER TABLE _prom_catalog.series DETACH PARTITION %s', _parts[_k]);
        END LOOP;
        DROP INDEX IF EXISTS _prom_catalog.series_deleted;
        DROP INDEX IF EXISTS _prom_catalog.series_labels_id;
        FOR _k IN 1..coalesce(array_length(_parts, 1), 0) LOOP
            EXECUTE format('ALTER TABLE _prom_catalog.series ATTACH PARTITION %s %s', _parts[_k], _bounds[_k]);
        END LOOP;
    END IF;
    FOR _idx IN
        SELECT DISTINCT ON (ic.oid) ic.relname AS idxname, m.id,
               CASE WHEN pg_catalog.pg_get_indexdef(ic.oid) LIKE '% USING gin (labels)' THEN 'series_labels_'
                    ELSE 'series_delete_epoch_id_' END AS prefix
        FROM _prom_catalog.metric m
        JOIN pg_catalog.pg_class t ON t.relname = m.series_table
             AND t.relnamespace = 'prom_data_series'::regnamespace
        JOIN pg_catalog.pg_index x ON x.indrelid = t.oid
        JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
        WHERE pg_catalog.pg_get_indexdef(ic.oid) LIKE '% USING gin (labels)'
           OR pg_catalog.pg_get_indexdef(ic.oid) LIKE '% USING btree (delete_epoch, id) WHERE (delete_epoch IS NOT NULL)'
    LOOP
        IF _idx.idxname <> _idx.prefix || _idx.id THEN
            EXECUTE format('ALTER INDEX IF EXISTS prom_data_series.%I RENAME TO %I', _idx.idxname, _idx.prefix || _idx.id);
        END IF;
    END LOOP;
END;
