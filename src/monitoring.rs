//! The upgrade state, the one-document report and the metrics row: the SQL
//! surface for people following an upgrade and for monitoring. One gather
//! per call (snapshot, checks, lock assessment, activity); decisions come
//! from `state`, `checks` and `locks`.

use pgrx::prelude::*;
use serde_json::json;

use crate::checks::{self, Check, Status};
use crate::locks::{self, LockAssessment};
use crate::pg_glue::LossyText;
use crate::plan::Plan;
use crate::rules::Rules;
use crate::snapshot::read::{activity, clock_epoch};
use crate::snapshot::{Activity, Snapshot};
use crate::state::{self, IngestSignals, LastUpgrade, RunningUpgrade, State};
use crate::version::ExtVersion;
use crate::views::{CheckView, LockEstimateView, StateInputs, StateView};

/// Version of the `promscale_upgrade_report()` document's shape.
pub const REPORT_FORMAT_VERSION: i64 = 1;

struct Gathered<'r> {
    snapshot: Snapshot,
    plan: Plan<'r>,
    checks: Vec<Check>,
    locks: LockAssessment,
    activity: Activity,
    state: State,
    /// The running upgrade's progress, while one runs.
    progress: Option<(crate::snapshot::RunningUpgrade, crate::progress::Progress)>,
}

fn gather<'r>(target: Option<&str>, rules: &'r Rules) -> Gathered<'r> {
    let (snapshot, plan) = crate::api::read_for_checks(target, rules);
    let checks = checks::run(&snapshot, &plan, rules);
    let locks = locks::assess(&snapshot, &plan);
    let activity = activity(&snapshot);
    let failing: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
    // Only while an upgrade runs: its progress (another read of pg_locks).
    let progress = activity.running_upgrade.as_ref().and_then(|_| read_progress());
    let running = activity.running_upgrade.as_ref().map(|r| RunningUpgrade {
        pid: r.pid,
        seconds: r.seconds.unwrap_or(0.0),
        wait_event: r.wait_event.clone(),
        progress: progress.as_ref().filter(|(u, _)| u.pid == r.pid).map(|(u, p)| state::UpgradeProgress {
            percent: p.progress_percent,
            eta_seconds: p.eta_seconds,
            blocked: crate::progress::first_blocker(u).map(|by| state::Blocked {
                seconds: u.statement_seconds,
                on: u.waiting_on.clone().unwrap_or_else(|| "a lock".into()),
                by,
            }),
        }),
    });
    let last = activity
        .last_upgrade
        .as_ref()
        .map(|l| LastUpgrade { to_version: l.to_version.clone(), finished_at: l.finished_at });
    let mut state = state::phase_of(&plan, &failing, running.as_ref(), last.as_ref(), &ingest_signals(&activity));
    state.next_step.push_str(&checks::ignored_note(&activity.ignored_relations));
    Gathered { snapshot, plan, checks, locks, activity, state, progress }
}

thread_local! {
    /// What this session has seen of the running upgrade (`HighWater`).
    static HIGH_WATER: std::cell::RefCell<crate::progress::HighWater> = Default::default();
}

/// The running upgrade's row and its progress, against the lock table's size.
fn read_progress() -> Option<(crate::snapshot::RunningUpgrade, crate::progress::Progress)> {
    let u = crate::snapshot::read::upgrade_progress()?;
    let u = HIGH_WATER.with(|h| h.borrow_mut().observe(u));
    let capacity = crate::snapshot::read::lock_table_size(u.max_prepared_transactions).nominal_entries();
    let p = crate::progress::progress(&u, capacity);
    Some((u, p))
}

fn ingest_signals(a: &Activity) -> IngestSignals {
    IngestSignals {
        connectors_running: a.connectors_running,
        metadata_last_seen: a.metadata_last_seen,
        connector_since: a.connector_since,
    }
}

fn newest_available(s: &Snapshot) -> Option<String> {
    s.promscale.available.iter().filter_map(|v| ExtVersion::parse(v)).max().map(|v| v.text)
}

/// Seconds since the Unix epoch as timestamptz (PostgreSQL counts
/// microseconds from 2000-01-01).
fn to_timestamp(epoch: Option<f64>) -> Option<pgrx::datum::TimestampWithTimeZone> {
    const POSTGRES_EPOCH_IN_UNIX_SECONDS: f64 = 946_684_800.0;
    epoch.and_then(|e| {
        let micros = ((e - POSTGRES_EPOCH_IN_UNIX_SECONDS) * 1_000_000.0).round() as pg_sys::TimestampTz;
        pgrx::datum::TimestampWithTimeZone::try_from(micros).ok()
    })
}

impl Gathered<'_> {
    fn ingest_resumed_at(&self) -> Option<f64> {
        let after = self.activity.last_upgrade.as_ref().map_or(0.0, |l| l.finished_at);
        ingest_signals(&self.activity).resumed_after(after)
    }

    fn failing(&self) -> Vec<String> {
        self.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.name.to_string()).collect()
    }

    fn state_view(&self) -> StateView {
        StateView::new(StateInputs {
            snapshot: &self.snapshot,
            plan: &self.plan,
            state: &self.state,
            activity: &self.activity,
            newest_available_version: newest_available(&self.snapshot),
            ingest_resumed_at: self.ingest_resumed_at(),
            failing_checks: self.failing(),
        })
    }
}

// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_state() -> TableIterator<
    'static,
    (
        name!(phase, String),
        name!(phase_meaning, String),
        name!(next_step, String),
        name!(installed_version, Option<String>),
        name!(default_version, Option<String>),
        name!(newest_available_version, Option<String>),
        name!(target_release, String),
        name!(target_version, Option<String>),
        name!(connector_sessions, i64),
        name!(connector_versions, Vec<String>),
        name!(upgrade_pid, Option<i32>),
        name!(upgrade_seconds, Option<f64>),
        name!(upgrade_wait_event, Option<String>),
        name!(last_upgrade_from, Option<String>),
        name!(last_upgrade_to, Option<String>),
        name!(last_upgrade_finished_at, Option<pgrx::datum::TimestampWithTimeZone>),
        name!(ingest_resumed, bool),
        name!(ingest_resumed_at, Option<pgrx::datum::TimestampWithTimeZone>),
        name!(metadata_last_seen, Option<pgrx::datum::TimestampWithTimeZone>),
        name!(database_rows_inserted, i64),
        name!(newest_chunk_rows_inserted, i64),
        name!(failing_checks, Vec<String>),
    ),
> {
    let StateView {
        phase,
        phase_meaning,
        next_step,
        installed_version,
        default_version,
        newest_available_version,
        target_release,
        target_version,
        connector_sessions,
        connector_versions,
        upgrade_pid,
        upgrade_seconds,
        upgrade_wait_event,
        last_upgrade_from,
        last_upgrade_to,
        last_upgrade_finished_at,
        ingest_resumed,
        ingest_resumed_at,
        metadata_last_seen,
        database_rows_inserted,
        newest_chunk_rows_inserted,
        failing_checks,
    } = gather(None, Rules::get()).state_view();
    TableIterator::once((
        phase,
        phase_meaning,
        next_step,
        installed_version,
        default_version,
        newest_available_version,
        target_release,
        target_version,
        connector_sessions,
        connector_versions,
        upgrade_pid,
        upgrade_seconds,
        upgrade_wait_event,
        last_upgrade_from,
        last_upgrade_to,
        to_timestamp(last_upgrade_finished_at),
        ingest_resumed,
        to_timestamp(ingest_resumed_at),
        to_timestamp(metadata_last_seen),
        database_rows_inserted,
        newest_chunk_rows_inserted,
        failing_checks,
    ))
}

#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_report(target: default!(Option<LossyText>, "NULL")) -> pgrx::JsonB {
    let g = gather(target.as_ref().map(LossyText::as_str), Rules::get());
    let l = &g.locks;
    let checks: Vec<CheckView> = g.checks.iter().cloned().map(CheckView::from).collect();
    pgrx::JsonB(json!({
        "format_version": REPORT_FORMAT_VERSION,
        "generated_at_epoch": clock_epoch(),
        // What is judged, up front: the release and the path to it.
        "target_release": g.plan.target_release.version.text,
        "path": l.estimate.path.describe(),
        "ready": g.failing().is_empty(),
        "state": g.state_view().report_json(&g.activity),
        "checks": checks,
        "lock_estimate": LockEstimateView::new(&g.plan, &g.snapshot, l),
        // promscale_upgrade_progress()'s row (times in seconds), or null.
        "progress": g.progress.as_ref().map(|(u, p)| json!({
            "pid": u.pid, "role_name": u.role_name, "application_name": u.application_name,
            "client_addr": u.client_addr, "command": u.command, "started_at_epoch": u.started_at,
            "elapsed_seconds": u.elapsed_seconds, "locks_held": u.locks_held, "locks_estimated": u.locks_estimated,
            "progress_percent": p.progress_percent, "eta_seconds": p.eta_seconds,
            "eta_basis": p.eta_basis.map(|b| b.as_str()), "expected_seconds": u.expected_seconds,
            "waiting_on": u.waiting_on,
            "blocked_by": u.blocked_by, "blockers": u.blockers, "lock_table_used": u.lock_table_used,
            "lock_table_capacity": p.lock_table_capacity,
            "projected_peak": p.projected_peak, "will_fit": p.will_fit,
        })),
    }))
}

/// The Promscale upgrade running now, for `\watch` and dashboards: one row
/// while another backend runs one (it holds the guard's upgrade mark for
/// its whole transaction), none otherwise.
// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_progress() -> TableIterator<
    'static,
    (
        name!(pid, i32),
        name!(role_name, Option<String>),
        name!(application_name, String),
        name!(client_addr, Option<String>),
        name!(command, Option<String>),
        name!(started_at, Option<TimestampWithTimeZone>),
        name!(elapsed, Interval),
        name!(locks_held, i64),
        name!(locks_estimated, Option<i64>),
        name!(progress_percent, Option<i32>),
        name!(eta, Option<Interval>),
        name!(waiting_on, Option<String>),
        name!(blocked_by, Vec<i32>),
        name!(blockers, pgrx::JsonB),
        name!(lock_table_used, i64),
        name!(lock_table_capacity, i64),
        name!(projected_peak, Option<i64>),
        name!(will_fit, Option<bool>),
        name!(expected_duration, Option<Interval>),
        name!(eta_basis, Option<String>),
    ),
> {
    let Some((u, p)) = read_progress() else {
        return TableIterator::new(std::iter::empty());
    };
    let seconds = |s: f64| Interval::from_micros((s * 1e6) as i64);
    // PostgreSQL's epoch is 2000-01-01; started_at is Unix epoch seconds.
    let started_at =
        u.started_at.and_then(|s| TimestampWithTimeZone::try_from(((s - 946_684_800.0) * 1e6) as i64).ok());
    TableIterator::once((
        u.pid,
        u.role_name,
        u.application_name,
        u.client_addr,
        u.command,
        started_at,
        seconds(u.elapsed_seconds),
        u.locks_held,
        u.locks_estimated,
        p.progress_percent,
        p.eta_seconds.map(seconds),
        u.waiting_on,
        u.blocked_by,
        pgrx::JsonB(u.blockers),
        u.lock_table_used,
        p.lock_table_capacity,
        p.projected_peak,
        p.will_fit,
        u.expected_seconds.map(seconds),
        p.eta_basis.map(|b| b.as_str().to_string()),
    ))
}

/// One row of numbers for exporters; `promscale_upgrade_metrics` is a view on it.
// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn _promscale_upgrade_metrics() -> TableIterator<
    'static,
    (
        name!(phase, String),
        name!(installed_version, String),
        name!(target_version, String),
        name!(ready, i32),
        name!(failing_checks, i32),
        name!(warning_checks, i32),
        name!(upgrade_available, i32),
        name!(locks_needed, i64),
        name!(lock_capacity, i64),
        name!(locks_available, i64),
        name!(lock_fits, i32),
        name!(connectors, i64),
        name!(upgrade_in_progress, i32),
        name!(upgrade_seconds, f64),
        name!(waiting_for_ingest, i32),
        name!(seconds_since_last_upgrade, Option<f64>),
        name!(seconds_since_last_ingest, Option<f64>),
        name!(refused_manual_updates, i64),
        name!(refused_manual_updates_since_start, i64),
        name!(database_rows_inserted, i64),
        name!(newest_chunk_rows_inserted, i64),
        name!(upgrade_progress_ratio, f64),
        name!(upgrade_eta_seconds, Option<f64>),
        name!(upgrade_blocked_seconds, f64),
        name!(upgrade_will_fit, i32),
        name!(lock_table_used_ratio, f64),
    ),
> {
    let g = gather(None, Rules::get());
    let running = g.progress.as_ref();
    let capacity = g.snapshot.lock_table.nominal_entries().max(1);
    let used = running.map_or(g.snapshot.locks_in_use, |(u, _)| u.lock_table_used);
    let now = clock_epoch();
    let count = |s: Status| g.checks.iter().filter(|c| c.status == s).count() as i32;
    let a = &g.activity;
    let locks = LockEstimateView::new(&g.plan, &g.snapshot, &g.locks);
    let available =
        matches!(g.state.phase, state::Phase::UpgradeAvailable | state::Phase::NotReady | state::Phase::LegacyPre011);
    TableIterator::once((
        g.state.phase.as_str().to_string(),
        g.snapshot.promscale.installed.clone().unwrap_or_default(),
        g.plan.target_extension.as_ref().map(|v| v.text.clone()).unwrap_or_default(),
        i32::from(count(Status::Fail) == 0),
        count(Status::Fail),
        count(Status::Warning),
        i32::from(available),
        locks.locks_needed,
        locks.lock_capacity,
        locks.locks_available,
        i32::from(locks.fits),
        a.connectors_running,
        i32::from(a.running_upgrade.is_some()),
        a.running_upgrade.as_ref().and_then(|r| r.seconds).unwrap_or(0.0),
        i32::from(g.state.phase == state::Phase::UpgradedWaitingForIngest),
        a.last_upgrade.as_ref().map(|l| now - l.finished_at),
        a.metadata_last_seen.map(|t| now - t),
        a.refused_manual_updates,
        a.refused_manual_updates_since_start,
        g.snapshot.database_rows_inserted,
        a.newest_chunk_rows_inserted,
        running.and_then(|(_, p)| p.progress_percent).map_or(0.0, |p| f64::from(p) / 100.0),
        running.and_then(|(_, p)| p.eta_seconds),
        running.filter(|(u, _)| !u.blocked_by.is_empty()).map_or(0.0, |(u, _)| u.statement_seconds),
        i32::from(running.and_then(|(_, p)| p.will_fit) != Some(false)),
        used as f64 / capacity as f64,
    ))
}

pgrx::extension_sql_file!(
    "../sql/monitoring.sql",
    name = "monitoring",
    requires =
        [_promscale_upgrade_metrics, promscale_upgrade_state, promscale_upgrade_report, promscale_upgrade_progress]
);
