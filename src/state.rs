//! Where the database stands in the upgrade guide's five steps (check, stop
//! connectors, upgrade, start one new connector and wait for ingest, start
//! the rest), as a phase from a fixed vocabulary and the next step in plain
//! words. Pure: decided from facts gathered elsewhere.

use crate::checks::Check;
use crate::plan::{Installed, PathKind, Plan};
use crate::quote::duration_text;

/// The phases, in the order an upgrade passes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No Promscale in this database.
    NotInstalled,
    /// A pre-0.11 connector schema awaiting the takeover.
    LegacyPre011,
    /// A newer version is available and a readiness check fails.
    NotReady,
    /// A newer version is available and no readiness check fails.
    UpgradeAvailable,
    /// A backend holding the connector's exclusive lock runs the update now.
    Upgrading,
    /// The last upgrade finished and ingestion has not resumed since.
    UpgradedWaitingForIngest,
    /// Nothing to upgrade to.
    UpToDate,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::NotInstalled,
        Phase::LegacyPre011,
        Phase::NotReady,
        Phase::UpgradeAvailable,
        Phase::Upgrading,
        Phase::UpgradedWaitingForIngest,
        Phase::UpToDate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotInstalled => "not_installed",
            Phase::LegacyPre011 => "legacy_pre_0_11",
            Phase::NotReady => "not_ready",
            Phase::UpgradeAvailable => "upgrade_available",
            Phase::Upgrading => "upgrading",
            Phase::UpgradedWaitingForIngest => "upgraded_waiting_for_ingest",
            Phase::UpToDate => "up_to_date",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Phase::NotInstalled => "no Promscale in this database",
            Phase::LegacyPre011 => "a pre-0.11 connector schema awaits the takeover by a 0.11+ connector",
            Phase::NotReady => "a newer version is available, but a readiness check fails",
            Phase::UpgradeAvailable => "a newer version is available and every readiness check passes",
            Phase::Upgrading => "a connector is updating the extension right now",
            Phase::UpgradedWaitingForIngest => "the extension was updated and no connector has ingested since",
            Phase::UpToDate => "the installed version is the one the connector would pick",
        }
    }
}

/// A backend running the update now.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningUpgrade {
    pub pid: i32,
    pub seconds: f64,
    pub wait_event: Option<String>,
    /// How far it is (`promscale_upgrade_progress()`), when known.
    pub progress: Option<UpgradeProgress>,
}

/// What the next step says of a running upgrade's progress.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpgradeProgress {
    pub percent: Option<i32>,
    pub eta_seconds: Option<f64>,
    /// What it waits on and who holds it, with how long it has waited.
    pub blocked: Option<Blocked>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub seconds: f64,
    /// The lock waited for: "relation AccessExclusiveLock on prom_data.cpu".
    pub on: String,
    /// The first session holding it (`progress::first_blocker`).
    pub by: String,
}

fn upgrading_step(r: &RunningUpgrade) -> String {
    let ran = duration_text(r.seconds);
    match &r.progress {
        Some(UpgradeProgress { blocked: Some(b), .. }) => format!(
            "Blocked for {} on {} by {}: end that session's transaction or wait. Backend {} has run the upgrade for {ran}; do not start other connectors or run DDL until it finishes.",
            duration_text(b.seconds),
            b.on,
            b.by,
            r.pid
        ),
        Some(UpgradeProgress { percent: Some(p), eta_seconds, .. }) => format!(
            "Wait: backend {} has run {ran}, ~{p}% by lock entries{}. Do not start other connectors or run DDL until it finishes.",
            r.pid,
            eta_seconds.map(|e| format!(", ~{} left", duration_text(e))).unwrap_or_default()
        ),
        _ => format!(
            "Wait: backend {} has been updating the extension for {:.0} seconds{}. Do not start other connectors or run DDL until it finishes.",
            r.pid,
            r.seconds,
            r.wait_event.as_deref().map(|w| format!(" (waiting on {w})")).unwrap_or_default()
        ),
    }
}

/// The last update recorded by the guard's upgrade log.
#[derive(Debug, Clone, PartialEq)]
pub struct LastUpgrade {
    pub to_version: Option<String>,
    /// Seconds since the epoch.
    pub finished_at: f64,
}

/// Whether ingestion resumed after the last upgrade, and since when.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngestSignals {
    /// Sessions holding the connector's shared lock (running connectors).
    pub connectors_running: i64,
    /// The newest `_prom_catalog.metadata.last_seen`, seconds since the epoch.
    pub metadata_last_seen: Option<f64>,
    /// When the oldest running connector session started, seconds since the epoch.
    pub connector_since: Option<f64>,
}

impl IngestSignals {
    /// The time ingestion is known to have resumed after `after`, if it did:
    /// a connector is back and it has received metadata since.
    pub fn resumed_after(&self, after: f64) -> Option<f64> {
        if self.connectors_running == 0 {
            return None;
        }
        match self.metadata_last_seen {
            Some(seen) if seen >= after => Some(self.connector_since.map_or(seen, |s| s.max(after).min(seen))),
            _ => None,
        }
    }
}

/// The phase and the guide's next step for it.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub phase: Phase,
    pub next_step: String,
}

/// The upgrade's phase from the plan, the failing checks and what is
/// happening now. (Not to be confused with `enforce::decision::decide`,
/// which judges one extension command.)
pub fn phase_of(
    plan: &Plan,
    failing: &[&Check],
    running: Option<&RunningUpgrade>,
    last: Option<&LastUpgrade>,
    ingest: &IngestSignals,
) -> State {
    let target = plan.target_extension.as_ref().map(|t| t.text.clone()).unwrap_or_default();
    let release = &plan.target_release.version;
    let fix_first = || {
        let names: Vec<&str> = failing.iter().map(|c| c.name.as_str()).collect();
        let hint = failing.first().and_then(|c| c.hint.clone()).unwrap_or_default();
        format!("Fix the failing checks first ({}): {hint}", names.join(", "))
    };
    if let Some(r) = running {
        return State { phase: Phase::Upgrading, next_step: upgrading_step(r) };
    }
    match &plan.installed {
        Installed::Nothing => {
            return State {
                phase: Phase::NotInstalled,
                next_step: if failing.is_empty() {
                    format!("Start one Promscale Connector {release}; it creates the promscale extension {target}.")
                } else {
                    fix_first()
                },
            }
        }
        Installed::Legacy { .. } => {
            return State {
                phase: Phase::LegacyPre011,
                next_step: if failing.is_empty() {
                    format!("Back up the database, stop all Promscale Connectors, then start one Promscale Connector {release} and let it take over the schema (extension {target}).")
                } else {
                    fix_first()
                },
            }
        }
        Installed::Extension(_) => {}
    }
    if let Some(l) = last {
        if ingest.resumed_after(l.finished_at).is_none()
            && matches!(plan.kind, PathKind::UpToDate | PathKind::Downgrade)
        {
            let to = l.to_version.as_deref().unwrap_or("the new version");
            return State {
                phase: Phase::UpgradedWaitingForIngest,
                next_step: if ingest.connectors_running == 0 {
                    format!("Start one Promscale Connector of the release that supports extension {to} and wait until it ingests data; then start the other connectors.")
                } else {
                    "Wait until the new connector ingests data (its metadata reaches _prom_catalog.metadata); then start the other connectors.".to_string()
                },
            };
        }
    }
    match plan.kind {
        PathKind::UpToDate | PathKind::Downgrade => State {
            phase: Phase::UpToDate,
            next_step: match last {
                Some(_) => "Ingestion resumed after the last upgrade: start all other Promscale Connector instances.".to_string(),
                None => "Nothing to do.".to_string(),
            },
        },
        _ if !failing.is_empty() => State { phase: Phase::NotReady, next_step: fix_first() },
        _ => State {
            phase: Phase::UpgradeAvailable,
            next_step: format!("Stop all Promscale Connectors, then start one Promscale Connector {release} and let it update the extension to {target}."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Check;
    use crate::plan::{plan, tests::snapshot_with};
    use crate::rules::Rules;
    use crate::snapshot::{Snapshot, UpdatePath};

    fn update_available() -> Snapshot {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.promscale_update_paths.push(UpdatePath {
            source: "0.7.0".into(),
            target: "0.8.0".into(),
            path: "0.7.0--0.8.0".into(),
        });
        s
    }

    fn phase_of(
        s: &Snapshot,
        failing: &[&Check],
        running: Option<&RunningUpgrade>,
        last: Option<&LastUpgrade>,
        ingest: &IngestSignals,
    ) -> State {
        super::phase_of(&plan(s, None, Rules::get()).unwrap(), failing, running, last, ingest)
    }

    #[test]
    fn vocabulary_is_fixed_and_distinct() {
        let names: std::collections::BTreeSet<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Phase::ALL.len());
        for required in [
            "not_installed",
            "legacy_pre_0_11",
            "up_to_date",
            "upgrade_available",
            "not_ready",
            "upgrading",
            "upgraded_waiting_for_ingest",
        ] {
            assert!(names.contains(required), "{required}");
        }
    }

    #[test]
    fn available_update_is_ready_or_not() {
        let s = update_available();
        let none = IngestSignals::default();
        let st = phase_of(&s, &[], None, None, &none);
        assert_eq!(st.phase, Phase::UpgradeAvailable);
        assert!(st.next_step.contains("start one Promscale Connector 0.17.0"), "{}", st.next_step);
        let failing = Check::fail(crate::checks::CheckName::ConnectorsStopped, "2 sessions.", "Stop them: pids 1, 2.");
        let st = phase_of(&s, &[&failing], None, None, &none);
        assert_eq!(st.phase, Phase::NotReady);
        assert!(st.next_step.contains("connectors_stopped") && st.next_step.contains("Stop them"), "{}", st.next_step);
    }

    #[test]
    fn a_running_update_wins() {
        let s = update_available();
        let r = RunningUpgrade { pid: 77, seconds: 12.0, wait_event: Some("Lock:relation".into()), progress: None };
        let st = phase_of(&s, &[], Some(&r), None, &IngestSignals::default());
        assert_eq!(st.phase, Phase::Upgrading);
        assert!(st.next_step.contains("backend 77") && st.next_step.contains("Lock:relation"), "{}", st.next_step);
    }

    #[test]
    fn a_running_update_says_how_far_it_is_or_what_blocks_it() {
        let s = update_available();
        let progress = UpgradeProgress { percent: Some(55), eta_seconds: Some(160.0), blocked: None };
        let r = RunningUpgrade { pid: 4242, seconds: 190.0, wait_event: None, progress: Some(progress) };
        let st = phase_of(&s, &[], Some(&r), None, &IngestSignals::default());
        assert!(
            st.next_step.starts_with("Wait: backend 4242 has run 3 min 10 s, ~55% by lock entries, ~2 min 40 s left."),
            "{}",
            st.next_step
        );
        let blocked = Blocked {
            seconds: 95.0,
            on: "relation AccessExclusiveLock on prom_data.cpu_usage".into(),
            by: "pid 1234 (application_name grafana, AccessShareLock, query `SELECT 1`)".into(),
        };
        let r = RunningUpgrade {
            progress: Some(UpgradeProgress { blocked: Some(blocked), ..UpgradeProgress::default() }),
            ..r
        };
        let st = phase_of(&s, &[], Some(&r), None, &IngestSignals::default());
        assert!(
            st.next_step.starts_with("Blocked for 1 min 35 s on relation AccessExclusiveLock on prom_data.cpu_usage by pid 1234 (application_name grafana, AccessShareLock, query `SELECT 1`): end that session's transaction or wait."),
            "{}",
            st.next_step
        );
    }

    #[test]
    fn durations_read_like_a_person_says_them() {
        assert_eq!(duration_text(42.4), "42 s");
        assert_eq!(duration_text(0.1135), "0.1 s");
        assert_eq!(duration_text(9.96), "10 s");
        assert_eq!(duration_text(190.0), "3 min 10 s");
        assert_eq!(duration_text(3_900.0), "1 h 5 min");
    }

    #[test]
    fn after_the_upgrade_wait_for_ingest_then_start_the_rest() {
        let s = snapshot_with(Some("0.8.0"), &["0.8.0"], "0.8.0");
        let last = LastUpgrade { to_version: Some("0.8.0".into()), finished_at: 1000.0 };
        let nobody = IngestSignals::default();
        let st = phase_of(&s, &[], None, Some(&last), &nobody);
        assert_eq!(st.phase, Phase::UpgradedWaitingForIngest);
        assert!(st.next_step.starts_with("Start one Promscale Connector"), "{}", st.next_step);

        let connected_no_data =
            IngestSignals { connectors_running: 1, metadata_last_seen: Some(900.0), connector_since: Some(1010.0) };
        let st = phase_of(&s, &[], None, Some(&last), &connected_no_data);
        assert_eq!(st.phase, Phase::UpgradedWaitingForIngest);
        assert!(st.next_step.starts_with("Wait until the new connector ingests"), "{}", st.next_step);

        let ingesting =
            IngestSignals { connectors_running: 1, metadata_last_seen: Some(1100.0), connector_since: Some(1010.0) };
        assert_eq!(ingesting.resumed_after(1000.0), Some(1010.0));
        let st = phase_of(&s, &[], None, Some(&last), &ingesting);
        assert_eq!(st.phase, Phase::UpToDate);
        assert!(st.next_step.contains("start all other"), "{}", st.next_step);
    }

    #[test]
    fn not_installed_and_legacy() {
        let s = snapshot_with(None, &["0.8.0"], "0.8.0");
        assert_eq!(phase_of(&s, &[], None, None, &IngestSignals::default()).phase, Phase::NotInstalled);
        let mut legacy = snapshot_with(None, &["0.0.0", "0.8.0"], "0.8.0");
        legacy.legacy_schema = Some("public".into());
        let st = phase_of(&legacy, &[], None, None, &IngestSignals::default());
        assert_eq!(st.phase, Phase::LegacyPre011);
        assert!(st.next_step.contains("take over"), "{}", st.next_step);
    }
}
