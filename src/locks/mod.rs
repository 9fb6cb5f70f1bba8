//! The upgrade's lock requirement: how many lock-table entries it needs
//! (`estimate`, with the per-path knowledge in `model.json`) and whether the
//! server's lock table holds them (`capacity`).

pub mod capacity;
pub mod estimate;

use capacity::{published_formula, published_formula_locks, Capacity, Fit};
use estimate::{estimate, LockEstimate, LockPath, Model};

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

pub fn assess(snapshot: &Snapshot, plan: &Plan) -> LockAssessment {
    let estimate = estimate(&snapshot.objects, &LockPath::of(plan), Model::get());
    let capacity = Capacity {
        size: snapshot.lock_table,
        in_use: snapshot.locks_in_use,
        margin_percent: snapshot.lock_margin_percent,
    };
    let needed = estimate.locks_needed;
    let relations = snapshot.objects.get("relations_outside_system_schemas").copied().unwrap_or(0);
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
