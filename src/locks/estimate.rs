//! How many lock-table entries the upgrade needs: catalog counts of the
//! objects it touches, by class, times what the path does to each class
//! (`model.json`), plus the objects its scripts create.
//!
//! All of an upgrade's locks are held until its single transaction commits,
//! one entry per distinct object, so the sum is the requirement.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::plan::{Installed, PathKind, Plan};
use crate::version::ExtVersion;

/// Every object class the catalog query counts, with the words a person reads.
pub const CLASSES: &[(&str, &str)] = &[
    ("metric_tables", "metric tables (prom_data)"),
    ("metric_indexes", "indexes of metric tables"),
    ("metric_toast", "toast tables of metric tables, with their indexes"),
    ("chunks", "TimescaleDB chunks (of metric, exemplar and tracing tables)"),
    ("chunk_indexes", "indexes of chunks"),
    ("chunk_toast", "toast tables of chunks, with their indexes"),
    ("series_partitions", "series partitions (prom_data_series)"),
    ("series_indexes", "indexes of series partitions"),
    ("series_toast", "toast tables of series partitions, with their indexes"),
    ("metric_views", "metric and series views (prom_metric, prom_series)"),
    ("exemplar_tables", "exemplar tables (prom_data_exemplar)"),
    ("exemplar_indexes", "indexes of exemplar tables"),
    ("exemplar_toast", "toast tables of exemplar tables, with their indexes"),
    ("fixed_relations", "Promscale's own tables, sequences, views and partitions"),
    ("fixed_indexes", "indexes of Promscale's own tables"),
    ("fixed_toast", "toast tables of Promscale's own tables, with their indexes"),
    ("routines", "functions and procedures in the Promscale schemas"),
    ("types", "types and domains in the Promscale schemas"),
    ("constraints", "constraints of Promscale's own tables and domains"),
    ("triggers", "triggers on Promscale's own tables"),
    ("operators", "operators in the Promscale schemas"),
    ("column_defaults", "column defaults of Promscale's own tables"),
    ("schemas", "Promscale schemas"),
    ("extension_routines", "routines that are members of the promscale extension"),
    ("extension_views", "views that are members of the promscale extension"),
];

const MODEL_JSON: &str = include_str!("model.json");

#[derive(Debug, Deserialize)]
pub struct PathModel {
    pub factors: BTreeMap<String, i64>,
    pub created_objects: BTreeMap<String, i64>,
}

impl PathModel {
    /// Objects the scripts create for `target`; the largest known value for
    /// a version the model does not list (better too many than too few).
    pub fn created_for(&self, target: Option<&ExtVersion>) -> i64 {
        let listed = target.and_then(|t| {
            self.created_objects.iter().find(|(v, _)| ExtVersion::parse(v).as_ref() == Some(t)).map(|(_, n)| *n)
        });
        listed.unwrap_or_else(|| self.created_objects.values().copied().max().unwrap_or(0))
    }
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub slack_percent: i64,
    pub paths: BTreeMap<String, PathModel>,
}

impl Model {
    pub fn from_json(json: &str) -> Result<Model, String> {
        let model: Model = serde_json::from_str(json).map_err(|e| e.to_string())?;
        for (path, m) in &model.paths {
            if let Some(unknown) = m.factors.keys().find(|k| !CLASSES.iter().any(|(c, _)| c == k)) {
                return Err(format!("path {path}: unknown object class {unknown:?}"));
            }
            if let Some(bad) = m.created_objects.keys().find(|v| ExtVersion::parse(v).is_none()) {
                return Err(format!("path {path}: bad version {bad:?}"));
            }
        }
        Ok(model)
    }

    pub fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::from_json(MODEL_JSON).expect("embedded model.json is valid"))
    }
}

/// Which statements the connector will run, as far as locks go.
#[derive(Debug, Clone, PartialEq)]
pub enum LockPath {
    /// CREATE EXTENSION ... VERSION '0.0.0' + ALTER EXTENSION ... UPDATE on a pre-0.11 schema.
    Takeover { target: Option<ExtVersion> },
    /// ALTER EXTENSION promscale UPDATE TO target.
    Update { from: ExtVersion, target: Option<ExtVersion> },
    /// CREATE EXTENSION promscale VERSION target on a database without Promscale.
    Fresh { target: Option<ExtVersion> },
    /// Nothing to run (up to date, or a downgrade that cannot run).
    Nothing,
}

impl LockPath {
    /// The path of a plan. Without an available target version the estimate
    /// is for the oldest version the target release accepts.
    pub fn of(plan: &Plan) -> LockPath {
        let target = plan.target_extension.clone().or_else(|| Some(plan.target_release.extension.range.min.clone()));
        match (&plan.kind, &plan.installed) {
            (PathKind::UpToDate | PathKind::Downgrade, _) => LockPath::Nothing,
            (_, Installed::Nothing) => LockPath::Fresh { target },
            (_, Installed::Legacy { .. }) => LockPath::Takeover { target },
            (_, Installed::Extension(from)) if target.as_ref().is_some_and(|t| t <= from) => LockPath::Nothing,
            (_, Installed::Extension(from)) => LockPath::Update { from: from.clone(), target },
        }
    }

    fn model_key(&self) -> Option<&'static str> {
        match self {
            LockPath::Takeover { .. } => Some("takeover"),
            LockPath::Update { .. } => Some("update"),
            LockPath::Fresh { .. } => Some("fresh"),
            LockPath::Nothing => None,
        }
    }

    fn target(&self) -> Option<&ExtVersion> {
        match self {
            LockPath::Takeover { target } | LockPath::Update { target, .. } | LockPath::Fresh { target } => {
                target.as_ref()
            }
            LockPath::Nothing => None,
        }
    }

    /// For people: what will run.
    pub fn describe(&self) -> String {
        let t = |t: Option<&ExtVersion>| t.map(|v| v.text.clone()).unwrap_or_else(|| "the target".into());
        match self {
            LockPath::Takeover { target } => {
                format!("takeover of the pre-0.11 schema: CREATE EXTENSION promscale VERSION '0.0.0', then ALTER EXTENSION promscale UPDATE TO '{}'", t(target.as_ref()))
            }
            LockPath::Update { from, target } => {
                format!("ALTER EXTENSION promscale UPDATE TO '{}' from {from}", t(target.as_ref()))
            }
            LockPath::Fresh { target } => format!("CREATE EXTENSION promscale VERSION '{}'", t(target.as_ref())),
            LockPath::Nothing => "nothing to run".to_string(),
        }
    }
}

/// Locks attributed to one object class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassLocks {
    pub class: &'static str,
    pub label: &'static str,
    pub objects: i64,
    pub locks: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LockEstimate {
    pub path: LockPath,
    /// Classes the path touches, largest first; classes with no locks omitted.
    pub by_class: Vec<ClassLocks>,
    pub created_objects: i64,
    pub slack: i64,
    pub locks_needed: i64,
}

pub fn estimate(objects: &BTreeMap<String, i64>, path: &LockPath, model: &Model) -> LockEstimate {
    let Some(path_model) = path.model_key().and_then(|k| model.paths.get(k)) else {
        return LockEstimate { path: path.clone(), by_class: vec![], created_objects: 0, slack: 0, locks_needed: 0 };
    };
    let mut by_class: Vec<ClassLocks> = CLASSES
        .iter()
        .filter_map(|(class, label)| {
            let factor = *path_model.factors.get(*class)?;
            let count = objects.get(*class).copied().unwrap_or(0);
            Some(ClassLocks { class, label, objects: count, locks: count * factor })
        })
        .filter(|c| c.locks > 0)
        .collect();
    by_class.sort_by(|a, b| b.locks.cmp(&a.locks).then(a.class.cmp(b.class)));
    let created_objects = path_model.created_for(path.target());
    let counted: i64 = by_class.iter().map(|c| c.locks).sum::<i64>() + created_objects;
    let slack = (counted * model.slack_percent.max(0) + 99) / 100;
    LockEstimate { path: path.clone(), by_class, created_objects, slack, locks_needed: counted + slack }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, tests::snapshot_with};
    use crate::rules::Rules;

    fn v(s: &str) -> ExtVersion {
        ExtVersion::parse(s).unwrap()
    }

    fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn embedded_model_is_valid_and_covers_every_path() {
        let m = Model::get();
        for key in ["takeover", "update", "fresh"] {
            assert!(m.paths.contains_key(key), "{key}");
        }
    }

    #[test]
    fn every_class_is_counted_by_the_relation_pass_or_the_catalog_query() {
        let sql = include_str!("../snapshot/sql/object_counts.sql");
        let from_pass = crate::snapshot::relation_tally::RelationTally::default().objects();
        for (class, _) in CLASSES {
            assert!(
                from_pass.contains_key(*class) || sql.contains(&format!("'{class}'")),
                "neither the relation pass nor object_counts.sql counts {class}"
            );
        }
    }

    #[test]
    fn unknown_classes_in_the_model_are_rejected() {
        let bad = r#"{"slack_percent": 0, "paths": {"update": {"factors": {"tables": 1}, "created_objects": {}}}}"#;
        assert!(Model::from_json(bad).unwrap_err().contains("unknown object class \"tables\""));
    }

    #[test]
    fn takeover_grows_with_metrics_and_update_does_not() {
        let model = Model::get();
        let small = counts(&[
            ("metric_tables", 10),
            ("chunks", 20),
            ("series_toast", 10),
            ("routines", 200),
            ("extension_routines", 0),
        ]);
        let large = counts(&[("metric_tables", 1000), ("chunks", 2000), ("series_toast", 1000), ("routines", 200)]);
        let takeover = LockPath::Takeover { target: Some(v("0.8.0")) };
        let s = estimate(&small, &takeover, model);
        let l = estimate(&large, &takeover, model);
        // toast counts twice: the toast table and its index.
        let counted_small = 10 + 20 + 2 * 10 + 200 + model.paths["takeover"].created_for(Some(&v("0.8.0")));
        assert_eq!(s.locks_needed, counted_small + (counted_small * model.slack_percent + 99) / 100);
        assert!(l.locks_needed > s.locks_needed + 3900);

        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let with_members = |n: i64| {
            let mut c = large.clone();
            c.insert("extension_routines".into(), 240);
            c.insert("metric_tables".into(), n);
            estimate(&c, &update, model).locks_needed
        };
        assert_eq!(with_members(10), with_members(10_000));
        assert!(with_members(10) >= 240);
    }

    #[test]
    fn breakdown_is_sorted_and_sums_up() {
        let c = counts(&[("metric_tables", 5), ("chunks", 50), ("routines", 20)]);
        let e = estimate(&c, &LockPath::Takeover { target: Some(v("0.8.0")) }, Model::get());
        assert_eq!(e.by_class[0].class, "chunks");
        let sum: i64 = e.by_class.iter().map(|c| c.locks).sum();
        assert_eq!(sum + e.created_objects + e.slack, e.locks_needed);
    }

    #[test]
    fn unknown_target_uses_the_largest_known_creation() {
        let m = &Model::get().paths["takeover"];
        let max = m.created_objects.values().copied().max().unwrap();
        assert_eq!(m.created_for(Some(&v("0.9.0"))), max);
    }

    #[test]
    fn path_follows_the_plan() {
        let rules = Rules::get();
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        let p = plan(&s, None, rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) });
        let p = plan(&s, Some("0.16.0"), rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Nothing);

        let mut legacy = snapshot_with(None, &["0.0.0", "0.8.0"], "0.8.0");
        legacy.legacy_schema = Some("public".into());
        let p = plan(&legacy, None, rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Takeover { target: Some(v("0.8.0")) });

        // No version on disk yet: estimate for the oldest one the release accepts.
        let missing = snapshot_with(Some("0.7.0"), &["0.7.0"], "0.7.0");
        let p = plan(&missing, Some("0.17.0"), rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) });

        let fresh = snapshot_with(None, &["0.8.0"], "0.8.0");
        assert!(matches!(LockPath::of(&plan(&fresh, None, rules).unwrap()), LockPath::Fresh { .. }));
    }

    #[test]
    fn nothing_to_run_needs_no_locks() {
        let e = estimate(&counts(&[("routines", 100)]), &LockPath::Nothing, Model::get());
        assert_eq!(e.locks_needed, 0);
        assert!(e.by_class.is_empty());
    }
}
