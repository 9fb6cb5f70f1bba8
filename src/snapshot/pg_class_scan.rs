//! The one pass over `pg_class` (and, for the state, over `pg_inherits`)
//! that every guard function makes, done on the catalog's heap directly.
//!
//! Why not SQL: a database of many metrics holds hundreds of thousands of
//! `pg_class` rows, and the executor's per-row cost (a join to
//! `pg_namespace`, grouping, a name hash) made this pass several times
//! slower than a bare `count(*)` (bench/performance.sh, figures in
//! bench/results/). Here each row costs a hash lookup of its schema and a few
//! increments in `RelationTally`; names are read only in `prom_data` and
//! `prom_metric`. The scan uses the catalog snapshot, as PostgreSQL's own
//! catalog lookups do, and takes its lock on a catalog only if it is granted
//! at once (`VACUUM FULL` or `CLUSTER` of the catalog could hold a
//! conflicting one, and any role can queue one behind its own reader:
//! CREATE RULE waits for its lock before it checks ownership).

use std::collections::{HashMap, HashSet};
use std::ffi::CStr;
use std::hash::{BuildHasherDefault, Hasher};

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::relation_tally::{RelationTally, SchemaInfo, SchemaRole};

/// `pg_inherits`'s fixed-width row (pgrx does not bind it).
#[repr(C)]
#[allow(dead_code)]
struct FormDataPgInherits {
    inhrelid: pg_sys::Oid,
    inhparent: pg_sys::Oid,
    inhseqno: i32,
    inhdetachpending: bool,
}

/// `pg_depend`'s row (pgrx does not bind it): the same on every supported
/// PostgreSQL version.
#[repr(C)]
#[allow(dead_code)]
struct FormDataPgDepend {
    classid: pg_sys::Oid,
    objid: pg_sys::Oid,
    objsubid: i32,
    refclassid: pg_sys::Oid,
    refobjid: pg_sys::Oid,
    refobjsubid: i32,
    deptype: std::ffi::c_char,
}

/// A hasher for OID keys: one multiply instead of SipHash, which showed in
/// the pass's profile (a schema lookup for nearly every row, since
/// the rows of a metric's table, series, views and chunks interleave). OIDs
/// are not chosen by an attacker, so no DoS-resistant hash is needed.
#[derive(Default)]
struct OidHasher(u64);

impl Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type OidMap<K, V> = HashMap<K, V, BuildHasherDefault<OidHasher>>;
type OidSet<K> = HashSet<K, BuildHasherDefault<OidHasher>>;

/// What the pass found.
pub struct RelationScan {
    pub tally: RelationTally,
    /// The metric tables (`prom_data`): the parents whose newest chunk tells
    /// whether ingest runs.
    pub metric_tables: Vec<u32>,
    /// Promscale's own relations (fixed schemas, not indexes): a few
    /// hundred, whose constraints, triggers and defaults SQL counts by index.
    pub fixed_relations: Vec<pg_sys::Oid>,
    /// The fixed schemas themselves, for the SQL that counts their routines,
    /// operators and domain constraints.
    pub fixed_schemas: Vec<pg_sys::Oid>,
}

/// Runs `f` on every visible row of the catalog `relid`, as its fixed-width
/// struct `T`.
///
/// # Safety
/// `T` must be the `FormData` layout of that catalog's fixed-width prefix.
unsafe fn for_each_row<T>(relid: pg_sys::Oid, catalog: &str, f: impl FnMut(&T)) {
    // SAFETY: the caller's promise, passed on; no index, no keys.
    unsafe { for_each_row_where(relid, catalog, pg_sys::InvalidOid, &mut [], f) }
}

/// Runs `f` on every visible row of the catalog `relid` that matches `keys`
/// (heap attribute numbers), through the index `index` when it is valid.
///
/// # Safety
/// `T` must be the `FormData` layout of that catalog's fixed-width prefix,
/// and `index` an index of `relid` whose leading columns `keys` name.
unsafe fn for_each_row_where<T>(
    relid: pg_sys::Oid,
    catalog: &str,
    index: pg_sys::Oid,
    keys: &mut [pg_sys::ScanKeyData],
    mut f: impl FnMut(&T),
) {
    // SAFETY: the catalog is locked (or the call raised an ERROR) before it
    // is opened; the scan uses PostgreSQL's catalog snapshot, each tuple is
    // read as `T` (the caller's promise) while the scan holds it, and the
    // scan and relation are closed before returning.
    unsafe {
        if !pg_sys::ConditionalLockRelationOid(relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE) {
            crate::pg_glue::raise(
                PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE,
                format!("could not read {catalog}: another session holds or waits for a lock on it"),
                Some(format!(
                    "The guard never waits for a catalog lock. In the way: {}. A conflicting lock comes from VACUUM FULL or CLUSTER of {catalog}, or is queued by a command such as CREATE RULE, which waits for its lock before it checks ownership.",
                    super::read::lock_blockers(relid)
                )),
                Some("Try again when those sessions have finished, or end them with SELECT pg_terminate_backend(pid).".into()),
            );
        }
        let rel = pg_sys::table_open(relid, pg_sys::NoLock as pg_sys::LOCKMODE);
        let scan = pg_sys::systable_beginscan(
            rel,
            index,
            index != pg_sys::InvalidOid,
            std::ptr::null_mut(),
            keys.len() as i32,
            if keys.is_empty() { std::ptr::null_mut() } else { keys.as_mut_ptr() },
        );
        loop {
            let tuple = pg_sys::systable_getnext(scan);
            if tuple.is_null() {
                break;
            }
            f(&*pg_sys::heap_tuple_get_struct::<T>(tuple));
        }
        pg_sys::systable_endscan(scan);
        // The lock stays until the end of the transaction, like any catalog read.
        pg_sys::table_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
    }
}

fn name_bytes(name: &pg_sys::NameData) -> &[u8] {
    // SAFETY: a NameData is a NUL-padded fixed buffer of NAMEDATALEN bytes.
    unsafe { CStr::from_ptr(name.data.as_ptr()) }.to_bytes()
}

/// Counts every relation by schema role, and lists the metric tables.
pub fn scan_relations() -> RelationScan {
    let mut schemas: OidMap<pg_sys::Oid, SchemaInfo> = OidMap::default();
    // SAFETY: FormData_pg_namespace / FormData_pg_class are the bindings of
    // these catalogs' rows for the server version this library is built for.
    unsafe {
        for_each_row::<pg_sys::FormData_pg_namespace>(pg_sys::NamespaceRelationId, "pg_namespace", |n| {
            schemas.insert(n.oid, SchemaInfo::of(&String::from_utf8_lossy(name_bytes(&n.nspname))));
        });
    }
    let mut tally = RelationTally::default();
    let mut fixed_schemas = Vec::new();
    for (oid, info) in &schemas {
        tally.add_schema(*info);
        if info.role == Some(SchemaRole::Fixed) {
            fixed_schemas.push(*oid);
        }
    }
    let mut metric_tables = Vec::new();
    let mut fixed_relations = Vec::new();
    let mut last: (pg_sys::Oid, SchemaInfo) = (pg_sys::InvalidOid, SchemaInfo::default());
    // SAFETY: FormData_pg_class is pg_class's fixed-width row.
    unsafe {
        for_each_row::<pg_sys::FormData_pg_class>(pg_sys::RelationRelationId, "pg_class", |c| {
            // Rows of a schema tend to be neighbours: look up only on change.
            if c.relnamespace != last.0 {
                last = (c.relnamespace, schemas.get(&c.relnamespace).copied().unwrap_or_default());
            }
            let relkind = c.relkind as u8;
            tally.add(last.1, relkind, c.relpersistence as u8, c.reltoastrelid != pg_sys::InvalidOid, || {
                name_bytes(&c.relname)
            });
            if last.1.role == Some(SchemaRole::Metric) && matches!(relkind, b'r' | b'p') {
                metric_tables.push(c.oid.to_u32());
            } else if last.1.role == Some(SchemaRole::Fixed) && !matches!(relkind, b'i' | b'I') {
                fixed_relations.push(c.oid);
            }
        });
    }
    RelationScan { tally, metric_tables, fixed_relations, fixed_schemas }
}

/// A signature of what depends on the extension `extension` in `pg_depend`
/// (its members, mostly): how many entries, and a hash of them that any
/// added, dropped or replaced entry changes. Read through the index on the
/// referenced object: a few hundred entries, not the whole catalog.
pub fn dependents_signature(extension: pg_sys::Oid) -> (i64, u64) {
    /// `pg_depend`'s OID, its index on the referenced object, and heap
    /// attribute numbers (catalog/pg_depend.h; fixed OIDs).
    const DEPEND_RELATION: pg_sys::Oid = pg_sys::Oid::from_u32(2608);
    const DEPEND_REFERENCE_INDEX: pg_sys::Oid = pg_sys::Oid::from_u32(2674);
    const ANUM_REFCLASSID: i16 = 4;
    const ANUM_REFOBJID: i16 = 5;
    const BT_EQUAL: u16 = 3;
    // SAFETY: zeroed ScanKeyData are plain data that ScanKeyInit fills.
    let mut keys: [pg_sys::ScanKeyData; 2] = unsafe { std::mem::zeroed() };
    for (key, (attno, value)) in
        keys.iter_mut().zip([(ANUM_REFCLASSID, pg_sys::ExtensionRelationId), (ANUM_REFOBJID, extension)])
    {
        // SAFETY: initializes an equality key on an oid column.
        unsafe {
            pg_sys::ScanKeyInit(key, attno, BT_EQUAL, pg_sys::Oid::from(pg_sys::F_OIDEQ), pg_sys::Datum::from(value))
        };
    }
    let (mut count, mut hash) = (0_i64, 0_u64);
    // SAFETY: FormDataPgDepend is pg_depend's row; DependReferenceIndexId
    // is its index on (refclassid, refobjid, refobjsubid).
    unsafe {
        for_each_row_where::<FormDataPgDepend>(DEPEND_RELATION, "pg_depend", DEPEND_REFERENCE_INDEX, &mut keys, |d| {
            count += 1;
            let mut h = OidHasher::default();
            h.write_u32(d.classid.to_u32());
            let entry = h.finish()
                ^ u64::from(d.objid.to_u32()).wrapping_mul(0xff51_afd7_ed55_8ccd)
                ^ (i64::from(d.objsubid) as u64).rotate_left(17)
                ^ (u64::from(d.deptype as u8) << 56);
            // A sum: the order of the index entries does not matter.
            hash = hash.wrapping_add(entry.wrapping_mul(0xc4ce_b9fe_1a85_ec53) ^ (entry >> 29));
        });
    }
    (count, hash)
}

/// Rows inserted (statistics since their last reset) into the newest chunk,
/// the highest-OID inheritance child, of each metric table: the chunks
/// connectors write to now.
pub fn newest_chunk_rows_inserted(metric_tables: &[u32]) -> i64 {
    if metric_tables.is_empty() {
        return 0;
    }
    let metric_tables: OidSet<u32> = metric_tables.iter().copied().collect();
    // SAFETY: a catalog name looked up in pg_catalog.
    let relid =
        unsafe { pg_sys::get_relname_relid(c"pg_inherits".as_ptr(), pg_sys::Oid::from(pg_sys::PG_CATALOG_NAMESPACE)) };
    let mut newest: OidMap<u32, u32> = OidMap::default();
    // SAFETY: FormDataPgInherits is pg_inherits's row layout (four fixed-width columns).
    unsafe {
        for_each_row::<FormDataPgInherits>(relid, "pg_inherits", |i| {
            if metric_tables.contains(&i.inhparent.to_u32()) {
                let n = newest.entry(i.inhparent.to_u32()).or_insert(0);
                *n = (*n).max(i.inhrelid.to_u32());
            }
        });
    }
    newest
        .values()
        // SAFETY: a statistics lookup by OID; NULL when it has none.
        .map(|chunk| unsafe {
            pg_sys::pgstat_fetch_stat_tabentry(pg_sys::Oid::from(*chunk)).as_ref().map_or(0, |s| s.tuples_inserted)
        })
        .sum()
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    use super::*;

    /// The same classes counted by plain SQL over the whole catalog, but
    /// for temporary relations (relation_tally.rs).
    const REFERENCE: &str = "
        WITH c AS (
            SELECT c.oid, c.relkind IN ('i', 'I') AS is_index, c.reltoastrelid <> 0 AS has_toast, n.nspname,
                   n.nspname IN ('pg_catalog', 'information_schema') OR n.nspname LIKE 'pg\\_toast%' AS system
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relpersistence <> 't')
        SELECT pg_catalog.json_build_object(
            'metric_tables', count(*) FILTER (WHERE nspname = 'prom_data' AND NOT is_index),
            'metric_indexes', count(*) FILTER (WHERE nspname = 'prom_data' AND is_index),
            'metric_toast', count(*) FILTER (WHERE nspname = 'prom_data' AND has_toast),
            'chunks', count(*) FILTER (WHERE nspname = '_timescaledb_internal' AND NOT is_index),
            'chunk_indexes', count(*) FILTER (WHERE nspname = '_timescaledb_internal' AND is_index),
            'chunk_toast', count(*) FILTER (WHERE nspname = '_timescaledb_internal' AND has_toast),
            'metric_views', count(*) FILTER (WHERE nspname IN ('prom_metric', 'prom_series') AND NOT is_index),
            'fixed_relations', count(*) FILTER (WHERE nspname = '_prom_catalog' AND NOT is_index),
            'fixed_indexes', count(*) FILTER (WHERE nspname = '_prom_catalog' AND is_index),
            'relations_outside_system_schemas', count(*) FILTER (WHERE NOT system),
            'schemas', (SELECT count(*) FROM pg_catalog.pg_namespace n
                        WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api',
                                            'prom_data', 'prom_data_series', 'prom_info', 'prom_data_exemplar',
                                            'prom_metric', 'prom_series', 'ps_tag', 'ps_trace')))::text
        FROM c";

    fn tally_matches_sql() -> RelationScan {
        let scan = scan_relations();
        let expected: serde_json::Value =
            serde_json::from_str(&Spi::get_one::<String>(REFERENCE).unwrap().unwrap()).unwrap();
        let objects = scan.tally.objects();
        for (class, n) in expected.as_object().unwrap() {
            let counted = match crate::catalog::classes::ObjectClass::from_name(class) {
                Some(c) => objects[&c],
                None => scan.tally.outside_system_schemas(),
            };
            assert_eq!(counted, n.as_i64().unwrap(), "{class}");
        }
        scan
    }

    #[pg_test]
    fn heap_pass_counts_what_sql_counts() {
        Spi::run(
            "CREATE SCHEMA IF NOT EXISTS prom_data; CREATE SCHEMA IF NOT EXISTS prom_metric;
             CREATE SCHEMA IF NOT EXISTS _timescaledb_internal; CREATE SCHEMA IF NOT EXISTS _prom_catalog;
             CREATE TABLE prom_data.cpu (t timestamptz, v float8, labels text);
             CREATE INDEX ON prom_data.cpu (t);
             CREATE TABLE prom_data.mem (t timestamptz, v float8);
             CREATE TABLE _timescaledb_internal._hyper_1_1_chunk () INHERITS (prom_data.cpu);
             CREATE TABLE _timescaledb_internal._hyper_1_2_chunk () INHERITS (prom_data.cpu);
             CREATE INDEX ON _timescaledb_internal._hyper_1_2_chunk (t);
             CREATE TABLE _prom_catalog.metric (id bigserial PRIMARY KEY, name text DEFAULT 'x' CHECK (name <> ''));
             CREATE VIEW prom_metric.cpu AS SELECT * FROM prom_data.cpu;
             CREATE TEMP TABLE temp_probe (x text PRIMARY KEY); CREATE TEMP VIEW temp_probe_v AS SELECT 1 AS one",
        )
        .unwrap();
        let before = tally_matches_sql();
        assert!(!before.tally.prom_data_matches_prom_metric(), "prom_metric.mem is missing");
        let expected_tables: Vec<u32> = Spi::get_one::<Vec<pg_sys::Oid>>(
            "SELECT array_agg(oid ORDER BY oid) FROM pg_class WHERE relnamespace = 'prom_data'::regnamespace AND relkind = 'r'",
        )
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|o| o.to_u32())
        .collect();
        let mut tables = before.metric_tables.clone();
        tables.sort_unstable();
        assert_eq!(tables, expected_tables);
        assert_eq!(before.fixed_relations.len(), 2, "the table and its sequence");

        Spi::run("CREATE VIEW prom_metric.mem AS SELECT * FROM prom_data.mem").unwrap();
        assert!(tally_matches_sql().tally.prom_data_matches_prom_metric());
    }
}
