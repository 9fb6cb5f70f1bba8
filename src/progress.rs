//! How far a running Promscale upgrade is, from what other sessions can see
//! of it: the lock entries its backend holds now against the estimate the
//! trigger made when the upgrade's first command started (both published
//! as locks: `enforce::upgrade_mark`), the lock table around it, and what
//! it waits on. Pure: `snapshot::read::upgrade_progress` gathers the row,
//! `promscale_upgrade_progress()` (monitoring.rs) returns it.
//!
//! An upgrade holds every lock until it commits, so `locks_held` only
//! grows: held / estimated is the share of the work done, and its rate so
//! far the time left.

use crate::snapshot::RunningUpgrade;

/// What `promscale_upgrade_progress()` adds to the row.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// locks_held / locks_estimated, in percent, at most 99 until commit.
    pub progress_percent: Option<i32>,
    /// Seconds left: the rehearsal's duration less the time run, while
    /// that is ahead; else at the rate so far; None while unknown.
    pub eta_seconds: Option<f64>,
    /// Where `eta_seconds` comes from.
    pub eta_basis: Option<EtaBasis>,
    /// What the lock table will hold at the upgrade's peak: the entries of
    /// other sessions plus the estimate.
    pub projected_peak: Option<i64>,
    pub will_fit: Option<bool>,
    /// The nominal size the peak is measured against.
    pub lock_table_capacity: i64,
}

/// What the time left is reckoned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtaBasis {
    /// A rehearsal of the same path: its duration, scaled to this catalog.
    Rehearsal,
    /// The lock entries taken per second so far.
    Rate,
}

impl EtaBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            EtaBasis::Rehearsal => "rehearsal",
            EtaBasis::Rate => "rate",
        }
    }
}

/// The most lock entries seen held by each upgrade (its backend and the
/// start of its transaction), so that what a watcher reports never goes
/// down. An upgrade keeps its locks until commit, but the catalog reads of
/// its statements take and release locks on system catalogs as they go: the
/// count of the moment wobbles by a few, and the peak is what the lock
/// table must hold.
#[derive(Debug, Default)]
pub struct HighWater {
    seen: Option<((i32, u64), i64, i64)>,
}

impl HighWater {
    /// `u` with its locks raised to the most seen for the same upgrade.
    pub fn observe(&mut self, mut u: RunningUpgrade) -> RunningUpgrade {
        let key = (u.pid, u.started_at.unwrap_or(0.0).to_bits());
        if let Some((_, held, shared)) = self.seen.filter(|(k, _, _)| *k == key) {
            u.locks_held = u.locks_held.max(held);
            u.locks_held_shared = u.locks_held_shared.max(shared);
        }
        self.seen = Some((key, u.locks_held, u.locks_held_shared));
        u
    }
}

/// Below this, a rate is noise.
const MIN_SECONDS_FOR_A_RATE: f64 = 1.0;

/// "pid 1234 (application_name grafana, AccessShareLock, query `SELECT
/// ...`)": the first session the upgrade waits for, as the state's next
/// step names it.
pub fn first_blocker(u: &RunningUpgrade) -> Option<String> {
    let b = u.blockers.as_array()?.first()?;
    let text = |k: &str| b.get(k).and_then(|v| v.as_str()).map(crate::quote::for_message);
    let mut parts = Vec::new();
    if let Some(app) = text("application_name").filter(|a| !a.is_empty()) {
        parts.push(format!("application_name {app}"));
    }
    if let Some(lock) = text("lock") {
        parts.push(lock);
    }
    if let Some(query) = text("query") {
        parts.push(format!("query `{query}`"));
    }
    Some(format!("pid {} ({})", b.get("pid")?, parts.join(", ")))
}

pub fn progress(u: &RunningUpgrade, lock_table_capacity: i64) -> Progress {
    let estimated = u.locks_estimated.filter(|e| *e > 0);
    let progress_percent = estimated.map(|e| ((u.locks_held.saturating_mul(100)) / e).clamp(0, 99) as i32);
    let by_rate = estimated.and_then(|e| {
        if u.elapsed_seconds < MIN_SECONDS_FOR_A_RATE || u.locks_held <= 0 {
            return None;
        }
        let rate = u.locks_held as f64 / u.elapsed_seconds;
        Some((e - u.locks_held).max(0) as f64 / rate)
    });
    // A rehearsal measured the whole run, waits on catalog work included,
    // which the lock rate does not see; once the upgrade outruns it, the
    // rate is all there is.
    let by_rehearsal = u.expected_seconds.map(|x| x - u.elapsed_seconds).filter(|left| *left > 0.0);
    let (eta_seconds, eta_basis) = match (by_rehearsal, by_rate) {
        (Some(left), _) => (Some(left), Some(EtaBasis::Rehearsal)),
        (None, Some(left)) => (Some(left), Some(EtaBasis::Rate)),
        (None, None) => (None, None),
    };
    let others = (u.lock_table_used - u.locks_held_shared).max(0);
    let projected_peak = estimated.map(|e| others + e.max(u.locks_held_shared));
    Progress {
        progress_percent,
        eta_seconds,
        eta_basis,
        projected_peak,
        will_fit: projected_peak.map(|p| p <= lock_table_capacity),
        lock_table_capacity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(held: i64, estimated: Option<i64>, elapsed: f64) -> RunningUpgrade {
        RunningUpgrade {
            pid: 42,
            role_name: Some("promscale".into()),
            application_name: "promscale@0.17.0".into(),
            client_addr: None,
            command: Some("ALTER EXTENSION promscale UPDATE TO '0.8.0'".into()),
            started_at: Some(1_000.0),
            elapsed_seconds: elapsed,
            statement_seconds: elapsed,
            locks_held: held,
            locks_held_shared: held - 10,
            locks_estimated: estimated,
            expected_seconds: None,
            waiting_on: None,
            blocked_by: Vec::new(),
            blockers: serde_json::json!([]),
            lock_table_used: held - 10 + 500,
            max_prepared_transactions: 0,
        }
    }

    #[test]
    fn share_done_and_time_left_follow_the_locks_held() {
        let p = progress(&running(550, Some(1_000), 110.0), 7_808);
        assert_eq!(p.progress_percent, Some(55));
        // 5 entries a second so far; 450 to go.
        assert_eq!((p.eta_seconds, p.eta_basis), (Some(90.0), Some(EtaBasis::Rate)));
        assert_eq!(p.projected_peak, Some(1_500));
        assert_eq!(p.will_fit, Some(true));
    }

    #[test]
    fn it_says_99_until_commit_and_nothing_it_cannot_know() {
        let over = progress(&running(1_200, Some(1_000), 60.0), 7_808);
        assert_eq!((over.progress_percent, over.eta_seconds), (Some(99), Some(0.0)));
        let just_started = progress(&running(30, Some(1_000), 0.2), 7_808);
        assert_eq!(just_started.eta_seconds, None, "no rate after 0.2 s");
        let unestimated = progress(&running(300, None, 30.0), 7_808);
        assert_eq!(
            unestimated,
            Progress {
                progress_percent: None,
                eta_seconds: None,
                eta_basis: None,
                projected_peak: None,
                will_fit: None,
                lock_table_capacity: 7_808
            }
        );
    }

    #[test]
    fn a_rehearsal_gives_the_time_left_until_the_upgrade_outruns_it() {
        let mut u = running(550, Some(1_000), 110.0);
        u.expected_seconds = Some(300.0);
        let p = progress(&u, 7_808);
        assert_eq!((p.eta_seconds, p.eta_basis), (Some(190.0), Some(EtaBasis::Rehearsal)));
        u.expected_seconds = Some(100.0);
        assert_eq!(progress(&u, 7_808).eta_basis, Some(EtaBasis::Rate), "past the rehearsal's time: the rate");
        let mut unestimated = running(10, None, 0.5);
        unestimated.expected_seconds = Some(60.0);
        assert_eq!(progress(&unestimated, 7_808).eta_seconds, Some(59.5), "without an estimate or a rate");
    }

    #[test]
    fn what_is_reported_never_goes_down_for_one_upgrade() {
        let mut high = HighWater::default();
        assert_eq!(high.observe(running(500, Some(1_000), 5.0)).locks_held, 500);
        assert_eq!(high.observe(running(498, Some(1_000), 6.0)).locks_held, 500, "a catalog lock released");
        assert_eq!(high.observe(running(700, Some(1_000), 7.0)).locks_held, 700);
        let mut next = running(20, Some(1_000), 1.0);
        next.started_at = Some(2_000.0);
        assert_eq!(high.observe(next).locks_held, 20, "another upgrade starts from its own count");
    }

    #[test]
    fn the_first_blocker_is_named_with_its_lock_and_query() {
        let mut u = running(10, Some(1_000), 5.0);
        assert_eq!(first_blocker(&u), None);
        u.blockers = serde_json::json!([{"pid": 1234, "application_name": "grafana", "lock": "AccessShareLock",
                                          "query": "SELECT * FROM prom_data.cpu_usage"}]);
        assert_eq!(
            first_blocker(&u).as_deref(),
            Some("pid 1234 (application_name grafana, AccessShareLock, query `SELECT * FROM prom_data.cpu_usage`)")
        );
    }

    #[test]
    fn other_sessions_locks_can_make_it_not_fit() {
        let mut crowded = running(200, Some(1_000), 10.0);
        crowded.lock_table_used = 7_500;
        let p = progress(&crowded, 7_808);
        assert_eq!(p.projected_peak, Some(7_500 - 190 + 1_000));
        assert_eq!(p.will_fit, Some(false));
    }
}
