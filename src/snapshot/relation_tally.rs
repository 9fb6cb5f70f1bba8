//! The Promscale relations counted by class, from one pass over `pg_class`.
//!
//! On a large Promscale database (hundreds of thousands of relations) that
//! pass is most of the cost of every guard function, so `pg_class_scan`
//! walks the catalog's heap itself and hands each row here. This module is
//! the arithmetic only: which schema plays which part, what counts as an
//! index or a toast table, and the name checksum that tells whether every
//! table in `prom_data` has its view in `prom_metric`. Unit-tested without a
//! server.
//!
//! Temporary relations never count (issue 26): they belong to the session
//! that made them, not to the database's catalog; the upgrade never locks
//! them, and they go when their session ends. Any role with TEMP (PUBLIC
//! has it by default) could otherwise grow the catalog size that
//! rehearsals are compared and scaled by: 6,000 temporary tables turned an
//! expected 4 s into 1 min 48 s and a comparable rehearsal into one "from a
//! smaller catalog". The calling session's own temporary relations are
//! left out too: they are no more the database's, and a report must not
//! depend on who asks.

use std::collections::BTreeMap;

use crate::catalog::classes::ObjectClass;

/// The part a schema plays in the lock estimate (its `ObjectClass`es).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaRole {
    /// `prom_data`: one table per metric.
    Metric,
    /// `prom_data_series`: one series table per metric.
    Series,
    /// `prom_data_exemplar`: one table per metric with exemplars.
    Exemplar,
    /// `prom_metric`, `prom_series`: one view per metric in each.
    View,
    /// `_timescaledb_internal`: the chunks of every hypertable, with their indexes.
    Chunk,
    /// Promscale's own schemas, whose size does not grow with the metrics.
    Fixed,
}

const ROLES: [SchemaRole; 6] = [
    SchemaRole::Metric,
    SchemaRole::Series,
    SchemaRole::Exemplar,
    SchemaRole::View,
    SchemaRole::Chunk,
    SchemaRole::Fixed,
];

/// The 13 schemas of Promscale (promscale-facts.md), whether or not an
/// extension owns them yet.
pub const PROMSCALE_SCHEMAS: [&str; 13] = [
    "_prom_catalog",
    "_prom_ext",
    "_ps_catalog",
    "_ps_trace",
    "prom_api",
    "prom_data",
    "prom_data_exemplar",
    "prom_data_series",
    "prom_info",
    "prom_metric",
    "prom_series",
    "ps_tag",
    "ps_trace",
];

impl SchemaRole {
    pub fn of(nspname: &str) -> Option<SchemaRole> {
        Some(match nspname {
            "prom_data" => SchemaRole::Metric,
            "prom_data_series" => SchemaRole::Series,
            "prom_data_exemplar" => SchemaRole::Exemplar,
            "prom_metric" | "prom_series" => SchemaRole::View,
            "_timescaledb_internal" => SchemaRole::Chunk,
            "_prom_catalog" | "_prom_ext" | "_ps_catalog" | "_ps_trace" | "prom_api" | "prom_info" | "ps_tag"
            | "ps_trace" => SchemaRole::Fixed,
            _ => return None,
        })
    }

    /// Object-class keys for its relations, indexes and toast tables (None:
    /// not counted for this role).
    fn keys(self) -> (ObjectClass, Option<ObjectClass>, Option<ObjectClass>) {
        use ObjectClass::*;
        match self {
            SchemaRole::Metric => (MetricTables, Some(MetricIndexes), Some(MetricToast)),
            SchemaRole::Series => (SeriesPartitions, Some(SeriesIndexes), Some(SeriesToast)),
            SchemaRole::Exemplar => (ExemplarTables, Some(ExemplarIndexes), Some(ExemplarToast)),
            SchemaRole::View => (MetricViews, None, None),
            SchemaRole::Chunk => (Chunks, Some(ChunkIndexes), Some(ChunkToast)),
            SchemaRole::Fixed => (FixedRelations, Some(FixedIndexes), Some(FixedToast)),
        }
    }

    fn index(self) -> usize {
        ROLES.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// One side of the `prom_data` / `prom_metric` name comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSide {
    Data,
    Metric,
}

/// What the pass needs to know about a schema, looked up per row by OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchemaInfo {
    pub role: Option<SchemaRole>,
    /// `pg_catalog`, `information_schema` and the toast schemas.
    pub system: bool,
    /// A session's temporary schema (`pg_temp_N`, `pg_toast_temp_N`):
    /// nothing in it counts.
    pub temporary: bool,
    pub name_side: Option<NameSide>,
}

impl SchemaInfo {
    pub fn of(nspname: &str) -> SchemaInfo {
        SchemaInfo {
            role: SchemaRole::of(nspname),
            system: matches!(nspname, "pg_catalog" | "information_schema") || nspname.starts_with("pg_toast"),
            temporary: is_temporary_schema(nspname),
            name_side: match nspname {
                "prom_data" => Some(NameSide::Data),
                "prom_metric" => Some(NameSide::Metric),
                _ => None,
            },
        }
    }
}

/// `pg_temp_N` or `pg_toast_temp_N`, the names PostgreSQL gives the
/// temporary schemas of backend N (no other schema may take them: the
/// `pg_` prefix is reserved).
fn is_temporary_schema(nspname: &str) -> bool {
    let digits = nspname.strip_prefix("pg_temp_").or_else(|| nspname.strip_prefix("pg_toast_temp_"));
    digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `pg_class.relpersistence` of a temporary relation.
pub const RELPERSISTENCE_TEMP: u8 = b't';

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RoleCounts {
    relations: i64,
    indexes: i64,
    toast: i64,
    /// Relations with a row type (tables, views, composite types...).
    row_types: i64,
}

/// An order-independent checksum of a set of names: their count and the
/// wrapping sum of a 64-bit hash of each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameChecksum {
    pub count: i64,
    pub hash: u64,
}

impl NameChecksum {
    fn add(&mut self, name: &[u8]) {
        // FNV-1a: a few instructions per byte, well spread for short names.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.count += 1;
        self.hash = self.hash.wrapping_add(h);
    }
}

/// The counts, filled row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationTally {
    roles: [RoleCounts; 6],
    /// Promscale's schemas (chunks live in TimescaleDB's, not counted).
    schemas: i64,
    outside_system_schemas: i64,
    data_names: NameChecksum,
    metric_names: NameChecksum,
}

impl RelationTally {
    /// One `pg_namespace` row.
    pub fn add_schema(&mut self, schema: SchemaInfo) {
        self.schemas += i64::from(schema.role.is_some_and(|r| r != SchemaRole::Chunk));
    }

    /// One `pg_class` row: its schema, `relkind`, `relpersistence`,
    /// whether it has a toast table, and its name (read only for the two
    /// compared schemas). A temporary relation is not counted at all.
    #[inline]
    pub fn add<N: AsRef<[u8]>>(
        &mut self,
        schema: SchemaInfo,
        relkind: u8,
        relpersistence: u8,
        has_toast: bool,
        name: impl FnOnce() -> N,
    ) {
        if relpersistence == RELPERSISTENCE_TEMP || schema.temporary {
            return;
        }
        if !schema.system {
            self.outside_system_schemas += 1;
        }
        if let Some(role) = schema.role {
            let c = &mut self.roles[role.index()];
            if matches!(relkind, b'i' | b'I') {
                c.indexes += 1;
            } else {
                c.relations += 1;
                c.toast += i64::from(has_toast);
                c.row_types += i64::from(matches!(relkind, b'r' | b'p' | b'v' | b'm' | b'c' | b'f'));
            }
        }
        if let Some(side) = schema.name_side {
            if matches!(relkind, b'r' | b'p' | b'f' | b'v') {
                let names = match side {
                    NameSide::Data => &mut self.data_names,
                    NameSide::Metric => &mut self.metric_names,
                };
                names.add(name().as_ref());
            }
        }
    }

    /// Object counts by class; `types` holds the fixed relations' row types
    /// and their array types (a takeover re-owns or drops both with the
    /// relation; the other types are counted in SQL).
    pub fn objects(&self) -> BTreeMap<ObjectClass, i64> {
        let mut out = BTreeMap::new();
        for role in ROLES {
            let c = self.roles[role.index()];
            let (relations, indexes, toast) = role.keys();
            out.insert(relations, c.relations);
            if let Some(k) = indexes {
                out.insert(k, c.indexes);
            }
            if let Some(k) = toast {
                out.insert(k, c.toast);
            }
        }
        out.insert(ObjectClass::Types, 2 * self.roles[SchemaRole::Fixed.index()].row_types);
        out.insert(ObjectClass::Schemas, self.schemas);
        out
    }

    /// Relations outside `pg_catalog`, `information_schema` and the toast
    /// schemas: what the published formula for `max_locks_per_transaction`
    /// counts.
    pub fn outside_system_schemas(&self) -> i64 {
        self.outside_system_schemas
    }

    /// Whether every table in `prom_data` has a same-named relation in
    /// `prom_metric`, as far as the checksum tells: equal counts and sums
    /// (then the names are almost surely equal; when they differ, the caller
    /// compares the names themselves).
    pub fn prom_data_matches_prom_metric(&self) -> bool {
        self.data_names.count == 0 || self.data_names == self.metric_names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(nsp: &str) -> SchemaInfo {
        SchemaInfo::of(nsp)
    }

    #[test]
    fn every_promscale_schema_has_a_role() {
        for schema in PROMSCALE_SCHEMAS {
            assert!(SchemaRole::of(schema).is_some(), "{schema}");
        }
        assert_eq!(SchemaRole::of("_timescaledb_internal"), Some(SchemaRole::Chunk), "not Promscale's");
    }

    fn add(t: &mut RelationTally, nsp: &str, relkind: u8, toast: bool, name: &str) {
        let n = name.as_bytes().to_vec();
        t.add(info(nsp), relkind, b'p', toast, || n);
    }

    /// Issue 26, finding 8: any role's temporary relations (tables,
    /// indexes, sequences, views, their toast tables) change no count.
    #[test]
    fn temporary_relations_never_count() {
        let mut t = RelationTally::default();
        add(&mut t, "public", b'r', false, "mine");
        add(&mut t, "prom_data", b'r', false, "cpu");
        let before = t.clone();
        for (nsp, relkind) in [("pg_temp_3", b'r'), ("pg_temp_3", b'i'), ("pg_temp_3", b'S'), ("pg_temp_17", b'v')] {
            t.add(info(nsp), relkind, RELPERSISTENCE_TEMP, true, || -> &[u8] { panic!("name read") });
        }
        t.add(info("pg_toast_temp_3"), b't', RELPERSISTENCE_TEMP, false, || -> &[u8] { panic!("name read") });
        // A temporary schema's rows are left out whatever their persistence
        // says, and a permanent row never is.
        t.add(info("pg_temp_3"), b'r', b'p', false, || -> &[u8] { panic!("name read") });
        assert_eq!(t, before);
        assert!(info("pg_temp_3").temporary && info("pg_toast_temp_12").temporary);
        for not_temp in ["pg_temp", "pg_temp_", "pg_temp_3x", "public", "pg_toast", "my_pg_temp_3"] {
            assert!(!info(not_temp).temporary, "{not_temp}");
        }
        add(&mut t, "public", b'r', false, "another");
        assert_eq!(t.outside_system_schemas(), 3);
    }

    #[test]
    fn schemas_play_their_parts() {
        assert_eq!(SchemaRole::of("prom_data"), Some(SchemaRole::Metric));
        assert_eq!(SchemaRole::of("prom_series"), Some(SchemaRole::View));
        assert_eq!(SchemaRole::of("_timescaledb_internal"), Some(SchemaRole::Chunk));
        assert_eq!(SchemaRole::of("ps_trace"), Some(SchemaRole::Fixed));
        assert_eq!(SchemaRole::of("public"), None);
        assert!(info("pg_toast").system && info("pg_toast_temp_3").system && info("pg_catalog").system);
        assert!(!info("public").system && !info("pg_temp_3").system && !info("prom_data").system);
    }

    #[test]
    fn counts_tables_indexes_and_toast_per_role() {
        let mut t = RelationTally::default();
        add(&mut t, "prom_data", b'r', true, "cpu");
        add(&mut t, "prom_data", b'i', false, "cpu_idx");
        add(&mut t, "prom_data", b'I', false, "cpu_pidx");
        add(&mut t, "_timescaledb_internal", b'r', false, "_hyper_1_1_chunk");
        add(&mut t, "_timescaledb_internal", b'r', true, "_hyper_1_2_chunk");
        add(&mut t, "prom_metric", b'v', false, "cpu");
        add(&mut t, "prom_series", b'v', false, "cpu");
        add(&mut t, "_prom_catalog", b'r', true, "metric");
        add(&mut t, "_prom_catalog", b'S', false, "metric_id_seq");
        add(&mut t, "_prom_catalog", b'c', false, "a_type");
        add(&mut t, "public", b'r', false, "mine");
        add(&mut t, "pg_catalog", b'r', true, "pg_class");
        add(&mut t, "pg_toast", b't', false, "pg_toast_1");
        let o = t.objects();
        let get = |k: &str| o[&ObjectClass::from_name(k).unwrap()];
        assert_eq!((get("metric_tables"), get("metric_indexes"), get("metric_toast")), (1, 2, 1));
        assert_eq!((get("chunks"), get("chunk_indexes"), get("chunk_toast")), (2, 0, 1));
        assert_eq!(get("metric_views"), 2);
        assert_eq!((get("fixed_relations"), get("fixed_toast")), (3, 1));
        assert_eq!(get("types"), 4, "the table and the composite type, each with its array type; not the sequence");
        assert_eq!(t.outside_system_schemas(), 11);
        assert_eq!(get("series_partitions") + get("exemplar_tables"), 0);
        assert_eq!(get("schemas"), 0, "counted from pg_namespace, not from relations");
        for nsp in ["prom_data", "prom_metric", "prom_series", "_prom_catalog", "_timescaledb_internal", "public"] {
            t.add_schema(info(nsp));
        }
        assert_eq!(t.objects()[&ObjectClass::Schemas], 4, "not TimescaleDB's chunk schema, not public");
    }

    #[test]
    fn name_checksum_tells_a_missing_or_renamed_view() {
        let mut t = RelationTally::default();
        assert!(t.prom_data_matches_prom_metric(), "no metrics at all");
        for n in ["cpu", "mem", "disk"] {
            add(&mut t, "prom_data", b'r', false, n);
        }
        add(&mut t, "prom_data", b'i', false, "cpu_idx");
        assert!(!t.prom_data_matches_prom_metric(), "no views yet");
        for n in ["disk", "cpu"] {
            add(&mut t, "prom_metric", b'v', false, n);
        }
        assert!(!t.prom_data_matches_prom_metric(), "one view missing");
        let mut renamed = t.clone();
        add(&mut renamed, "prom_metric", b'v', false, "mem2");
        assert!(!renamed.prom_data_matches_prom_metric(), "same count, another name");
        add(&mut t, "prom_metric", b'v', false, "mem");
        assert!(t.prom_data_matches_prom_metric(), "in any order");
    }

    #[test]
    fn names_are_read_only_in_the_compared_schemas() {
        let mut t = RelationTally::default();
        t.add(info("_timescaledb_internal"), b'r', b'p', false, || -> &[u8] { panic!("name read for a chunk") });
        t.add(info("prom_data"), b'i', b'p', false, || -> &[u8] { panic!("name read for an index") });
        assert_eq!(t.objects()[&ObjectClass::Chunks], 1);
    }

    #[test]
    fn every_class_is_counted_by_the_relation_pass_or_the_catalog_query() {
        let sql = include_str!("sql/object_counts.sql");
        let from_pass = RelationTally::default().objects();
        for class in ObjectClass::ALL {
            assert!(
                from_pass.contains_key(&class) || sql.contains(&format!("'{}'", class.name())),
                "neither the relation pass nor object_counts.sql counts {class}"
            );
        }
    }
}
