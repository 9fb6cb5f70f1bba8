//! The rows the SQL surface returns, each built in one place from the
//! decisions: a SQL function returns a view's fields as its columns (taken
//! apart without `..`, so a new field that a function does not return is a
//! compile error), and `promscale_upgrade_report()` serializes the same
//! struct, so the function and the report cannot drift apart. Plain data.

use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::model::Model;
use crate::checks::Check;
use crate::locks::LockAssessment;
use crate::plan::Plan;
use crate::snapshot::Activity;
use crate::snapshot::Snapshot;
use crate::state::State;

/// One row of `promscale_upgrade_checks()`, one entry of the report's `checks`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckView {
    pub check_name: String,
    pub status: String,
    pub detail: String,
    pub hint: Option<String>,
}

impl From<Check> for CheckView {
    fn from(c: Check) -> CheckView {
        CheckView { check_name: c.name.to_string(), status: c.status.to_string(), detail: c.detail, hint: c.hint }
    }
}

/// The row of `promscale_upgrade_lock_estimate()`, the report's
/// `lock_estimate`, and the lock numbers of `promscale_upgrade_metrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockEstimateView {
    pub target_release: String,
    pub path: String,
    pub locks_needed: i64,
    pub lock_capacity: i64,
    pub locks_in_use: i64,
    pub locks_available: i64,
    pub fits: bool,
    pub fit: String,
    pub margin_percent: i32,
    pub recommended_max_locks_per_transaction: i32,
    pub current_max_locks_per_transaction: i32,
    pub alter_system: Option<String>,
    pub restart_note: String,
    pub capacity_formula: String,
    pub breakdown: Value,
    pub published_formula_max_locks_per_transaction: i32,
    pub published_formula_locks: i64,
    pub streaming_standbys: i32,
    /// Seconds the upgrade should take here: the newest successful
    /// rehearsal of the path, scaled by the relations; None without one.
    pub expected_duration: Option<f64>,
}

impl LockEstimateView {
    pub fn new(plan: &Plan, snapshot: &Snapshot, a: &LockAssessment) -> LockEstimateView {
        let c = &a.capacity;
        LockEstimateView {
            target_release: plan.target_release.version.text.clone(),
            path: a.estimate.path.describe(),
            locks_needed: a.estimate.locks_needed,
            lock_capacity: c.size.nominal_entries(),
            locks_in_use: c.in_use,
            locks_available: c.available(),
            fits: a.fits(),
            fit: a.fit.as_str().to_string(),
            margin_percent: int(c.margin_percent),
            recommended_max_locks_per_transaction: int(a.recommended_max_locks),
            current_max_locks_per_transaction: int(c.size.max_locks_per_transaction),
            alter_system: a.change_needed().then(|| a.alter_system()),
            restart_note: if a.change_needed() {
                "max_locks_per_transaction takes effect only after a restart of PostgreSQL; set it on the standbys first. It can be set back after the upgrade.".to_string()
            } else {
                "No change is needed: the current max_locks_per_transaction covers the upgrade with the safety margin."
                    .to_string()
            },
            capacity_formula: c.size.explain(),
            breakdown: breakdown_json(a),
            published_formula_max_locks_per_transaction: int(a.published_max_locks),
            published_formula_locks: a.published_locks,
            streaming_standbys: int(snapshot.streaming_standbys),
            expected_duration: crate::rehearsal_history::expected_seconds_for(
                &snapshot.rehearsals,
                &a.estimate.path,
                crate::rehearsal_history::CatalogSize::now(snapshot),
            ),
        }
    }
}

/// An `int` column's value: saturated, never wrapped (a recommendation
/// cast with `as` once disagreed with its own `ALTER SYSTEM` text).
fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

/// The row of `promscale_upgrade_state()`; the report's `state` holds the
/// same keys (times as epoch seconds, which the function turns into
/// timestamptz), beside the nested objects of its format 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateView {
    pub phase: String,
    pub phase_meaning: String,
    pub next_step: String,
    pub installed_version: Option<String>,
    pub default_version: Option<String>,
    pub newest_available_version: Option<String>,
    pub target_release: String,
    pub target_version: Option<String>,
    pub connector_sessions: i64,
    pub connector_versions: Vec<String>,
    pub upgrade_pid: Option<i32>,
    pub upgrade_seconds: Option<f64>,
    pub upgrade_wait_event: Option<String>,
    pub last_upgrade_from: Option<String>,
    pub last_upgrade_to: Option<String>,
    /// Epoch seconds.
    pub last_upgrade_finished_at: Option<f64>,
    pub ingest_resumed: bool,
    /// Epoch seconds.
    pub ingest_resumed_at: Option<f64>,
    /// Epoch seconds.
    pub metadata_last_seen: Option<f64>,
    pub database_rows_inserted: i64,
    pub newest_chunk_rows_inserted: i64,
    pub failing_checks: Vec<String>,
}

/// What the state view is made of, from one gather.
pub struct StateInputs<'a> {
    pub snapshot: &'a Snapshot,
    pub plan: &'a Plan<'a>,
    pub state: &'a State,
    pub activity: &'a Activity,
    pub newest_available_version: Option<String>,
    pub ingest_resumed_at: Option<f64>,
    pub failing_checks: Vec<String>,
}

impl StateView {
    pub fn new(i: StateInputs) -> StateView {
        let a = i.activity;
        StateView {
            phase: i.state.phase.as_str().to_string(),
            phase_meaning: i.state.phase.meaning().to_string(),
            next_step: i.state.next_step.clone(),
            installed_version: i.snapshot.promscale.installed.clone(),
            default_version: i.snapshot.promscale.default_version.clone(),
            newest_available_version: i.newest_available_version,
            target_release: i.plan.target_release.version.text.clone(),
            target_version: i.plan.target_extension.as_ref().map(|v| v.text.clone()),
            connector_sessions: a.connectors_running,
            connector_versions: a.connector_versions.clone(),
            upgrade_pid: a.running_upgrade.as_ref().map(|r| r.pid),
            upgrade_seconds: a.running_upgrade.as_ref().and_then(|r| r.seconds),
            upgrade_wait_event: a.running_upgrade.as_ref().and_then(|r| r.wait_event.clone()),
            last_upgrade_from: a.last_upgrade.as_ref().and_then(|l| l.from_version.clone()),
            last_upgrade_to: a.last_upgrade.as_ref().and_then(|l| l.to_version.clone()),
            last_upgrade_finished_at: a.last_upgrade.as_ref().map(|l| l.finished_at),
            ingest_resumed: i.ingest_resumed_at.is_some(),
            ingest_resumed_at: i.ingest_resumed_at,
            metadata_last_seen: a.metadata_last_seen,
            database_rows_inserted: i.snapshot.database_rows_inserted,
            newest_chunk_rows_inserted: a.newest_chunk_rows_inserted,
            failing_checks: i.failing_checks,
        }
    }

    /// The report's `state`: this view's keys, and the nested objects and
    /// `*_epoch` keys of the report's format 1.
    pub fn report_json(&self, activity: &Activity) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut v {
            let a = activity;
            map.insert(
                "running_upgrade".into(),
                json!(a
                    .running_upgrade
                    .as_ref()
                    .map(|r| json!({"pid": r.pid, "seconds": r.seconds, "wait_event": r.wait_event}))),
            );
            map.insert(
                "last_upgrade".into(),
                json!(a.last_upgrade.as_ref().map(|l| json!({
                    "from_version": l.from_version, "to_version": l.to_version,
                    "finished_at_epoch": l.finished_at, "duration_seconds": l.duration_seconds}))),
            );
            map.insert("metadata_last_seen_epoch".into(), json!(self.metadata_last_seen));
            map.insert("ingest_resumed_at_epoch".into(), json!(self.ingest_resumed_at));
        }
        v
    }
}

/// The breakdown of `locks_needed` as a JSON array: each part with its
/// `source` (`counted` from the catalog, `scripted` from the script files,
/// `catalogs`, `learned` from a measurement, `slack`), largest first.
pub fn breakdown_json(a: &LockAssessment) -> Value {
    let e = &a.estimate;
    let mut items: Vec<Value> = e
        .by_class
        .iter()
        .map(|c| {
            let mut item = json!({"class": c.class, "source": c.source, "description": c.label, "objects": c.objects, "locks": c.locks});
            if c.source == "scripted" {
                item["scripts"] = json!(e.script_files);
            }
            item
        })
        .collect();
    if e.unscanned_statements > 0 {
        items.push(json!({
            "class": "unscanned_statements",
            "source": "scripted",
            "description": "loops over query results and EXECUTE of a variable in the scripts: what they create is not counted above (a rehearsal measures it, and later estimates learn it)",
            "objects": e.unscanned_statements,
            "locks": 0,
        }));
    }
    if let Some(c) = e.calibrated_from.as_ref().filter(|_| e.learned > 0) {
        let m = &c.measurement;
        items.push(json!({
            "class": "learned",
            "source": "learned",
            "description": format!(
                "a {} on {} held {} entries ({} estimated); scaled to today's catalog counts it needs {}, {} more than the model says",
                m.source, m.measured_at, m.locks_held,
                m.locks_estimated.map_or("none".to_string(), |n| n.to_string()), c.scaled_locks, e.learned),
            "locks": e.learned,
            "calibrated_from": {
                "source": m.source, "measured_at": m.measured_at, "path": m.path,
                "from_version": m.from_version, "to_version": m.to_version,
                "locks_held": m.locks_held, "locks_estimated": m.locks_estimated,
                "locks_counted_then": m.locks_counted, "locks_counted_now": e.counted,
                "scaled_locks": c.scaled_locks, "model_locks": c.model_locks,
            },
        }));
    }
    if e.slack > 0 {
        items.push(json!({"class": "slack", "source": "slack", "description": format!("slack of {}% against under-estimating", Model::get().slack_percent), "locks": e.slack}));
    }
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::snapshot_with;
    use crate::rules::Rules;

    #[test]
    fn int_columns_saturate_instead_of_wrapping() {
        assert_eq!(int(15_804_590_164), i32::MAX, "a recommendation too big for int is not -1375279020");
        assert_eq!(int(i64::MIN), i32::MIN);
        assert_eq!(int(64), 64);
    }

    #[test]
    fn the_lock_view_serializes_every_field() {
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        let p = crate::plan::plan(&s, None, Rules::get()).unwrap();
        let view = LockEstimateView::new(&p, &s, &crate::locks::assess(&s, &p));
        let json = serde_json::to_value(&view).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        for key in ["restart_note", "published_formula_locks", "streaming_standbys", "breakdown", "target_release"] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        assert_eq!(keys.len(), 19);
    }
}
