//! The upgrade's lock requirement: how many lock-table entries it needs
//! (`estimate`, with what PostgreSQL locks in `catalog::model`, and what the
//! scripts create from `catalog::script_scan`) and whether the server's lock table
//! holds them (`capacity`).

pub mod capacity;
pub mod estimate;

use capacity::{published_formula, published_formula_locks, Capacity, Fit};
use estimate::{estimate, CatalogCounts, LockEstimate, LockPath, PathScripts};

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::catalog::model::Model;
use crate::catalog::script_scan::ScriptScan;
use crate::plan::Plan;
use crate::snapshot::Snapshot;

/// Everything the guard says about the upgrade's locks, from one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct LockAssessment {
    pub estimate: LockEstimate,
    pub capacity: Capacity,
    pub fit: Fit,
    pub recommended_max_locks: i64,
    /// The published formula's `max_locks_per_transaction`, for comparison.
    pub published_max_locks: i64,
    /// The lock entries the published formula's setting implies.
    pub published_locks: i64,
}

impl LockAssessment {
    pub fn fits(&self) -> bool {
        self.fit != Fit::DoesNotFit
    }

    /// Whether the recommendation differs from the running setting.
    pub fn change_needed(&self) -> bool {
        self.recommended_max_locks != self.capacity.size.max_locks_per_transaction
    }

    pub fn alter_system(&self) -> String {
        format!("ALTER SYSTEM SET max_locks_per_transaction = {};", self.recommended_max_locks)
    }
}

/// The scripts `path` runs, from the snapshot's scans, and the incremental
/// migrations they will skip: for a takeover those the 0.0.0 script marks
/// applied; for an update those `_ps_catalog.migration` records, or, when it
/// cannot be read, those of the installed version's own script.
pub fn path_scripts(snapshot: &Snapshot, path: &LockPath) -> PathScripts {
    let scan = |file: &str| snapshot.promscale_scripts.get(file).map(|s| (file.to_string(), s));
    let steps = |from: &str| -> Vec<String> {
        let to = path.target().map(|t| t.text.as_str()).unwrap_or_default();
        let route = snapshot.has_update_path(from, to).map(|p| p.path.as_str());
        crate::snapshot::script_files::step_files("promscale", route)
    };
    let (files, applied): (Vec<String>, BTreeSet<String>) = match path {
        LockPath::Nothing => return PathScripts::default(),
        LockPath::Fresh { target } => {
            (target.iter().map(|t| format!("promscale--{}.sql", t.text)).collect(), BTreeSet::new())
        }
        LockPath::Takeover { .. } => {
            let marked = scan("promscale--0.0.0.sql").map(|(_, s)| s.mentioned_migrations.clone()).unwrap_or_default();
            let mut files = vec!["promscale--0.0.0.sql".to_string()];
            files.extend(steps("0.0.0"));
            (files, marked)
        }
        LockPath::Update { from, .. } => {
            let applied = snapshot.applied_migrations.clone().unwrap_or_else(|| {
                scan(&format!("promscale--{}.sql", from.text))
                    .map(|(_, s)| s.migrations().map(str::to_string).collect())
                    .unwrap_or_default()
            });
            (steps(&from.text), applied)
        }
    };
    let found: Vec<(String, &Arc<ScriptScan>)> = files.iter().filter_map(|f| scan(f)).collect();
    PathScripts {
        files: found.iter().map(|(f, _)| f.clone()).collect(),
        scans: found.into_iter().map(|(_, s)| Arc::clone(s)).collect(),
        applied_migrations: applied,
    }
}

/// The estimate for `path` from everything the snapshot knows.
pub fn estimate_path(snapshot: &Snapshot, path: &LockPath) -> LockEstimate {
    let counts = CatalogCounts { objects: &snapshot.objects, catalog_relations: &snapshot.catalog_relations };
    estimate(counts, &path_scripts(snapshot, path), &snapshot.lock_measurements, path, Model::get())
}

pub fn assess(snapshot: &Snapshot, plan: &Plan) -> LockAssessment {
    let estimate = estimate_path(snapshot, &LockPath::of(plan));
    let capacity = Capacity::of(snapshot);
    let needed = estimate.locks_needed;
    let relations = snapshot.relations_outside_system_schemas;
    LockAssessment {
        fit: capacity.fit(needed),
        recommended_max_locks: capacity.recommended_max_locks(needed),
        published_max_locks: published_formula(
            relations,
            snapshot.max_connections,
            snapshot.lock_table.max_prepared_transactions,
        ),
        published_locks: published_formula_locks(relations),
        estimate,
        capacity,
    }
}
