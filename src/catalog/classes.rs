//! The classes of objects the lock estimate counts: the keys of
//! `object_counts.sql`'s and the relation pass's counts, of `model.json`'s
//! factors, and of the estimate's breakdown. One enum, so that a class
//! misspelled in any of them is an error (serde rejects an unknown name).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectClass {
    /// Metric tables (prom_data).
    MetricTables,
    /// Indexes of metric tables.
    MetricIndexes,
    /// Toast tables of metric tables, with their indexes.
    MetricToast,
    /// TimescaleDB chunks (of metric, exemplar and tracing tables).
    Chunks,
    /// Indexes of chunks.
    ChunkIndexes,
    /// Toast tables of chunks, with their indexes.
    ChunkToast,
    /// Series partitions (prom_data_series).
    SeriesPartitions,
    /// Indexes of series partitions.
    SeriesIndexes,
    /// Toast tables of series partitions, with their indexes.
    SeriesToast,
    /// Metric and series views (prom_metric, prom_series).
    MetricViews,
    /// Exemplar tables (prom_data_exemplar).
    ExemplarTables,
    /// Indexes of exemplar tables.
    ExemplarIndexes,
    /// Toast tables of exemplar tables, with their indexes.
    ExemplarToast,
    /// Promscale's own tables, sequences, views and partitions.
    FixedRelations,
    /// Indexes of Promscale's own tables.
    FixedIndexes,
    /// Toast tables of Promscale's own tables, with their indexes.
    FixedToast,
    /// Functions and procedures in the Promscale schemas.
    Routines,
    /// Types and domains in the Promscale schemas.
    Types,
    /// Constraints of Promscale's own tables and domains.
    Constraints,
    /// Triggers on Promscale's own tables.
    Triggers,
    /// Operators in the Promscale schemas.
    Operators,
    /// Column defaults of Promscale's own tables.
    ColumnDefaults,
    /// Promscale schemas.
    Schemas,
    /// Routines that are members of the promscale extension.
    ExtensionRoutines,
    /// Operators that are members of the promscale extension.
    ExtensionOperators,
    /// Operator classes that are members of the promscale extension.
    ExtensionOperatorClasses,
    /// Operator families that are members of the promscale extension.
    ExtensionOperatorFamilies,
    /// Casts that are members of the promscale extension.
    ExtensionCasts,
    /// Types and domains that are members of the promscale extension.
    ExtensionTypes,
    /// Schemas that are members of the promscale extension, and the extension's own schema.
    ExtensionSchemas,
    /// Tables, partitioned tables and views that are members of the promscale extension.
    ExtensionRelations,
    /// Types the extension's routines use that are not members (row types, array types, other extensions' types).
    ReferencedTypes,
    /// Roles named as owners or in GRANTs of the Promscale objects.
    ReferencedRoles,
    /// Procedural languages of the Promscale routines (not built in).
    ReferencedLanguages,
    /// The promscale extension object.
    ExtensionItself,
}

impl ObjectClass {
    /// Every class, in the order the breakdown lists ties.
    pub const ALL: [ObjectClass; 35] = [
        ObjectClass::MetricTables,
        ObjectClass::MetricIndexes,
        ObjectClass::MetricToast,
        ObjectClass::Chunks,
        ObjectClass::ChunkIndexes,
        ObjectClass::ChunkToast,
        ObjectClass::SeriesPartitions,
        ObjectClass::SeriesIndexes,
        ObjectClass::SeriesToast,
        ObjectClass::MetricViews,
        ObjectClass::ExemplarTables,
        ObjectClass::ExemplarIndexes,
        ObjectClass::ExemplarToast,
        ObjectClass::FixedRelations,
        ObjectClass::FixedIndexes,
        ObjectClass::FixedToast,
        ObjectClass::Routines,
        ObjectClass::Types,
        ObjectClass::Constraints,
        ObjectClass::Triggers,
        ObjectClass::Operators,
        ObjectClass::ColumnDefaults,
        ObjectClass::Schemas,
        ObjectClass::ExtensionRoutines,
        ObjectClass::ExtensionOperators,
        ObjectClass::ExtensionOperatorClasses,
        ObjectClass::ExtensionOperatorFamilies,
        ObjectClass::ExtensionCasts,
        ObjectClass::ExtensionTypes,
        ObjectClass::ExtensionSchemas,
        ObjectClass::ExtensionRelations,
        ObjectClass::ReferencedTypes,
        ObjectClass::ReferencedRoles,
        ObjectClass::ReferencedLanguages,
        ObjectClass::ExtensionItself,
    ];

    /// The name in SQL, `model.json` and the breakdown.
    pub fn name(self) -> &'static str {
        match self {
            ObjectClass::MetricTables => "metric_tables",
            ObjectClass::MetricIndexes => "metric_indexes",
            ObjectClass::MetricToast => "metric_toast",
            ObjectClass::Chunks => "chunks",
            ObjectClass::ChunkIndexes => "chunk_indexes",
            ObjectClass::ChunkToast => "chunk_toast",
            ObjectClass::SeriesPartitions => "series_partitions",
            ObjectClass::SeriesIndexes => "series_indexes",
            ObjectClass::SeriesToast => "series_toast",
            ObjectClass::MetricViews => "metric_views",
            ObjectClass::ExemplarTables => "exemplar_tables",
            ObjectClass::ExemplarIndexes => "exemplar_indexes",
            ObjectClass::ExemplarToast => "exemplar_toast",
            ObjectClass::FixedRelations => "fixed_relations",
            ObjectClass::FixedIndexes => "fixed_indexes",
            ObjectClass::FixedToast => "fixed_toast",
            ObjectClass::Routines => "routines",
            ObjectClass::Types => "types",
            ObjectClass::Constraints => "constraints",
            ObjectClass::Triggers => "triggers",
            ObjectClass::Operators => "operators",
            ObjectClass::ColumnDefaults => "column_defaults",
            ObjectClass::Schemas => "schemas",
            ObjectClass::ExtensionRoutines => "extension_routines",
            ObjectClass::ExtensionOperators => "extension_operators",
            ObjectClass::ExtensionOperatorClasses => "extension_operator_classes",
            ObjectClass::ExtensionOperatorFamilies => "extension_operator_families",
            ObjectClass::ExtensionCasts => "extension_casts",
            ObjectClass::ExtensionTypes => "extension_types",
            ObjectClass::ExtensionSchemas => "extension_schemas",
            ObjectClass::ExtensionRelations => "extension_relations",
            ObjectClass::ReferencedTypes => "referenced_types",
            ObjectClass::ReferencedRoles => "referenced_roles",
            ObjectClass::ReferencedLanguages => "referenced_languages",
            ObjectClass::ExtensionItself => "extension_itself",
        }
    }

    pub fn from_name(name: &str) -> Option<ObjectClass> {
        ObjectClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The words a person reads in the breakdown.
    pub fn label(self) -> &'static str {
        match self {
            ObjectClass::MetricTables => "metric tables (prom_data)",
            ObjectClass::MetricIndexes => "indexes of metric tables",
            ObjectClass::MetricToast => "toast tables of metric tables, with their indexes",
            ObjectClass::Chunks => "TimescaleDB chunks (of metric, exemplar and tracing tables)",
            ObjectClass::ChunkIndexes => "indexes of chunks",
            ObjectClass::ChunkToast => "toast tables of chunks, with their indexes",
            ObjectClass::SeriesPartitions => "series partitions (prom_data_series)",
            ObjectClass::SeriesIndexes => "indexes of series partitions",
            ObjectClass::SeriesToast => "toast tables of series partitions, with their indexes",
            ObjectClass::MetricViews => "metric and series views (prom_metric, prom_series)",
            ObjectClass::ExemplarTables => "exemplar tables (prom_data_exemplar)",
            ObjectClass::ExemplarIndexes => "indexes of exemplar tables",
            ObjectClass::ExemplarToast => "toast tables of exemplar tables, with their indexes",
            ObjectClass::FixedRelations => "Promscale's own tables, sequences, views and partitions",
            ObjectClass::FixedIndexes => "indexes of Promscale's own tables",
            ObjectClass::FixedToast => "toast tables of Promscale's own tables, with their indexes",
            ObjectClass::Routines => "functions and procedures in the Promscale schemas",
            ObjectClass::Types => "types and domains in the Promscale schemas",
            ObjectClass::Constraints => "constraints of Promscale's own tables and domains",
            ObjectClass::Triggers => "triggers on Promscale's own tables",
            ObjectClass::Operators => "operators in the Promscale schemas",
            ObjectClass::ColumnDefaults => "column defaults of Promscale's own tables",
            ObjectClass::Schemas => "Promscale schemas",
            ObjectClass::ExtensionRoutines => "routines that are members of the promscale extension",
            ObjectClass::ExtensionOperators => "operators that are members of the promscale extension",
            ObjectClass::ExtensionOperatorClasses => "operator classes that are members of the promscale extension",
            ObjectClass::ExtensionOperatorFamilies => "operator families that are members of the promscale extension",
            ObjectClass::ExtensionCasts => "casts that are members of the promscale extension",
            ObjectClass::ExtensionTypes => "types and domains that are members of the promscale extension",
            ObjectClass::ExtensionSchemas => "schemas that are members of the promscale extension, and the extension's own schema",
            ObjectClass::ExtensionRelations => "tables, partitioned tables and views that are members of the promscale extension",
            ObjectClass::ReferencedTypes => "types the extension's routines use that are not members (row types, array types, other extensions' types)",
            ObjectClass::ReferencedRoles => "roles named as owners or in GRANTs of the Promscale objects",
            ObjectClass::ReferencedLanguages => "procedural languages of the Promscale routines (not built in)",
            ObjectClass::ExtensionItself => "the promscale extension object",
        }
    }
}

impl std::fmt::Display for ObjectClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_names() {
        for class in ObjectClass::ALL {
            assert_eq!(serde_json::to_value(class).unwrap(), class.name());
            assert_eq!(serde_json::from_value::<ObjectClass>(class.name().into()).unwrap(), class);
        }
        assert!(serde_json::from_str::<ObjectClass>("\"tables\"").is_err());
    }
}
