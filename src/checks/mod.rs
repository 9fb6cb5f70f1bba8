//! The readiness checks: pure functions from a snapshot and a plan to rows.
//!
//! One module per family; `run` lists them in the order the report shows.
//! A check never queries the database: everything it needs is in `Snapshot`.

mod connectors;
mod extension;
pub mod hazards;
mod locks;
mod rehearsed;
mod server;
mod timescaledb;

pub(crate) use connectors::{
    describe as describe_connector_session, end_them as end_connector_sessions, split as split_connector_sessions,
    unlocked_list as unlocked_connector_sessions, UNLOCKED_HINT as UNLOCKED_CONNECTOR_SESSIONS_HINT,
};

use std::fmt;

use crate::plan::Plan;
use crate::rules::Rules;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warning,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Fail => "fail",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The readiness checks, in report order: the names `promscale_upgrade_checks()`
/// returns, the report's `check_name`s and what state and monitoring quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckName {
    ServerRole,
    PostgresqlVersion,
    TimescaledbVersion,
    ExtensionAvailable,
    UpdatePath,
    WithdrawnVersion,
    ConnectorsStopped,
    TracingDataDropped,
    PromInfoMetricDependents,
    NonMetricTablesInPromData,
    MaxLocksPendingRestart,
    LockCapacity,
    StandbyLockCapacity,
    Rehearsed,
}

impl CheckName {
    pub const ALL: [CheckName; 14] = [
        CheckName::ServerRole,
        CheckName::PostgresqlVersion,
        CheckName::TimescaledbVersion,
        CheckName::ExtensionAvailable,
        CheckName::UpdatePath,
        CheckName::WithdrawnVersion,
        CheckName::ConnectorsStopped,
        CheckName::TracingDataDropped,
        CheckName::PromInfoMetricDependents,
        CheckName::NonMetricTablesInPromData,
        CheckName::MaxLocksPendingRestart,
        CheckName::LockCapacity,
        CheckName::StandbyLockCapacity,
        CheckName::Rehearsed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::ServerRole => "server_role",
            CheckName::PostgresqlVersion => "postgresql_version",
            CheckName::TimescaledbVersion => "timescaledb_version",
            CheckName::ExtensionAvailable => "extension_available",
            CheckName::UpdatePath => "update_path",
            CheckName::WithdrawnVersion => "withdrawn_version",
            CheckName::ConnectorsStopped => "connectors_stopped",
            CheckName::TracingDataDropped => "tracing_data_dropped",
            CheckName::PromInfoMetricDependents => "prom_info_metric_dependents",
            CheckName::NonMetricTablesInPromData => "non_metric_tables_in_prom_data",
            CheckName::MaxLocksPendingRestart => "max_locks_pending_restart",
            CheckName::LockCapacity => "lock_capacity",
            CheckName::StandbyLockCapacity => "standby_lock_capacity",
            CheckName::Rehearsed => "rehearsed",
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CheckName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One row of the readiness report.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: CheckName,
    pub status: Status,
    /// What was found, with the numbers, as full sentences.
    pub detail: String,
    /// The exact fix; None when there is nothing to do.
    pub hint: Option<String>,
}

impl Check {
    /// The check with `ignored_note` appended to its detail.
    fn with_ignored(mut self, ignored: &[String]) -> Check {
        self.detail.push_str(&ignored_note(ignored));
        self
    }

    pub fn ok(name: CheckName, detail: impl Into<String>) -> Check {
        Check { name, status: Status::Ok, detail: detail.into(), hint: None }
    }
    pub fn warning(name: CheckName, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check { name, status: Status::Warning, detail: detail.into(), hint: Some(hint.into()) }
    }
    pub fn fail(name: CheckName, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check { name, status: Status::Fail, detail: detail.into(), hint: Some(hint.into()) }
    }
}

/// Every readiness check for this plan, in report order.
pub fn run(snapshot: &Snapshot, plan: &Plan, rules: &Rules) -> Vec<Check> {
    let lock_assessment = crate::locks::assess(snapshot, plan);
    vec![
        server::server_role(snapshot),
        server::postgresql_version(snapshot, plan),
        timescaledb::timescaledb_version(snapshot, plan),
        extension::extension_available(snapshot, plan),
        extension::update_path(snapshot, plan),
        extension::withdrawn_version(snapshot, plan, rules),
        connectors::connectors_stopped(snapshot, rules),
        hazards::tracing_data_dropped(snapshot, plan),
        hazards::prom_info_metric_dependents(snapshot, plan),
        hazards::non_metric_tables_in_prom_data(snapshot, plan),
        server::max_locks_pending_restart(snapshot),
        locks::lock_capacity(&lock_assessment).with_ignored(&snapshot.ignored_relations),
        locks::standby_lock_capacity(snapshot, &lock_assessment),
        rehearsed::rehearsed(snapshot, plan, &lock_assessment.estimate.path),
    ]
}

/// " Not read: ...": relations the guard would have read but did not,
/// because they are not what they must be (see `snapshot::read::readable`).
pub(crate) fn ignored_note(ignored: &[String]) -> String {
    if ignored.is_empty() {
        String::new()
    } else {
        // Each item says why: not a plain table of its extension (which
        // could run someone's code), or busy (and who is in the way).
        format!(" Not read: {}.", ignored.join(", "))
    }
}

/// "a, b, c and 4 more": keeps long lists readable in a detail line.
pub(crate) fn list_some(items: &[String], limit: usize) -> String {
    let shown: Vec<&str> = items.iter().take(limit).map(String::as_str).collect();
    let mut out = shown.join(", ");
    if items.len() > limit {
        out.push_str(&format!(" and {} more", items.len() - limit));
    }
    out
}

/// "1 table" / "3 tables".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::plan::{plan, Plan};

    pub fn run_named(snapshot: &Snapshot, target: Option<&str>, name: &str) -> Check {
        let rules = Rules::get();
        let p: Plan = plan(snapshot, target, rules).expect("valid target");
        run(snapshot, &p, rules).into_iter().find(|c| c.name.as_str() == name).expect("check exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::snapshot_with;

    #[test]
    fn report_has_every_check_once_in_order() {
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        let rules = Rules::get();
        let p = crate::plan::plan(&s, None, rules).unwrap();
        let names: Vec<CheckName> = run(&s, &p, rules).iter().map(|c| c.name).collect();
        assert_eq!(names, CheckName::ALL);
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "server_role",
                "postgresql_version",
                "timescaledb_version",
                "extension_available",
                "update_path",
                "withdrawn_version",
                "connectors_stopped",
                "tracing_data_dropped",
                "prom_info_metric_dependents",
                "non_metric_tables_in_prom_data",
                "max_locks_pending_restart",
                "lock_capacity",
                "standby_lock_capacity",
                "rehearsed",
            ]
        );
    }

    #[test]
    fn every_non_ok_check_has_a_hint() {
        let mut s = snapshot_with(Some("0.5.3"), &["0.5.3", "0.5.4"], "0.5.4");
        s.in_recovery = true;
        s.server_version_num = 160000;
        let rules = Rules::get();
        let p = crate::plan::plan(&s, None, rules).unwrap();
        for c in run(&s, &p, rules) {
            assert_eq!(c.status == Status::Ok, c.hint.is_none(), "{c:?}");
            assert!(c.detail.ends_with('.'), "detail is a sentence: {c:?}");
        }
    }

    #[test]
    fn list_some_truncates() {
        let items: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
        assert_eq!(list_some(&items, 3), "1, 2, 3 and 2 more");
        assert_eq!(list_some(&items[..2], 3), "1, 2");
    }
}
