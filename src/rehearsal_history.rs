//! What the rehearsals in the guard's log say about the upgrade a path
//! runs: the newest of that path (run here, or on a restored copy and
//! imported), whether it ran on a catalog like this one, and how long the
//! upgrade should take here. Pure: the `rehearsed` check, the lock
//! estimate's `expected_duration`, the trigger's published duration and
//! the import use it.

use crate::locks::estimate::LockPath;
use crate::snapshot::{Rehearsal, Snapshot};

/// A rehearsal's catalog is "much smaller" when it had fewer than this
/// share of the relations or of the metrics this database has now: the
/// upgrade's work grows with both, so its duration and locks say little.
/// A copy restored for the purpose has the same counts (give or take what
/// ingest added since the dump).
pub const COMPARABLE_SHARE_PERCENT: i64 = 50;

/// The rehearsals of the statements `path` runs: the same path and target
/// version, and for an update the same installed version.
pub fn of_path<'a>(rehearsals: &'a [Rehearsal], path: &LockPath) -> impl Iterator<Item = &'a Rehearsal> + 'a {
    let key = path.key();
    let target = path.target().map(|t| t.text.clone());
    let from = path.from().map(|f| f.text.clone());
    rehearsals.iter().filter(move |r| {
        key == Some(r.path.as_str()) && r.to_version == target && (from.is_none() || r.from_version == from)
    })
}

/// The rehearsal this database stored last: "newest" is by when a row was
/// stored here (`Rehearsal::stored_order`), never by the time an imported
/// record claims, so a record dated in the future cannot mask a failure
/// imported after it. Of rows stored at the same moment, the later one in
/// the log's order.
fn stored_last<'a>(rehearsals: impl Iterator<Item = &'a Rehearsal>) -> Option<&'a Rehearsal> {
    rehearsals.max_by(|a, b| a.stored_order().cmp(b.stored_order()))
}

/// The newest rehearsal of `path`, failed or not: the one that decides.
pub fn newest<'a>(rehearsals: &'a [Rehearsal], path: &LockPath) -> Option<&'a Rehearsal> {
    stored_last(of_path(rehearsals, path))
}

/// The newest successful rehearsal of `path`.
pub fn newest_success<'a>(rehearsals: &'a [Rehearsal], path: &LockPath) -> Option<&'a Rehearsal> {
    stored_last(of_path(rehearsals, path).filter(|r| r.succeeded))
}

/// The size of a catalog, as rehearsals are compared by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogSize {
    /// Relations outside the system schemas.
    pub relations: i64,
    /// Promscale metric tables.
    pub metrics: i64,
}

impl CatalogSize {
    /// This database's catalog now.
    pub fn now(snapshot: &Snapshot) -> CatalogSize {
        CatalogSize { relations: snapshot.relations_outside_system_schemas, metrics: snapshot.metrics() }
    }

    /// The catalog `r` ran on; None when it was not recorded (before 0.4.0).
    pub fn of(r: &Rehearsal) -> Option<CatalogSize> {
        Some(CatalogSize { relations: r.relations?, metrics: r.metrics? })
    }

    /// Whether this catalog is much smaller than `now` (see
    /// `COMPARABLE_SHARE_PERCENT`).
    pub fn much_smaller_than(self, now: CatalogSize) -> bool {
        let below = |then: i64, now: i64| then.saturating_mul(100) < now.saturating_mul(COMPARABLE_SHARE_PERCENT);
        below(self.relations, now.relations) || below(self.metrics, now.metrics)
    }
}

/// Whether `r` ran on a catalog much smaller than `now`. A rehearsal that
/// did not record its catalog (an older guard's, always a local one) is
/// taken as comparable: nothing says otherwise.
pub fn on_much_smaller_catalog(r: &Rehearsal, now: CatalogSize) -> bool {
    CatalogSize::of(r).is_some_and(|then| then.much_smaller_than(now))
}

/// The longest expected duration given, 30 days: a rehearsal on a tiny
/// copy scaled to a huge catalog says only "very long" beyond it, and an
/// interval and the trigger's published milliseconds (a 32-bit lock
/// field, 49 days) hold it.
pub const MAX_EXPECTED_SECONDS: f64 = 30.0 * 86_400.0;

/// How long the upgrade should take here, in seconds: the rehearsal's
/// duration scaled by the relations now against the relations then (the
/// scripts' work is per relation: chunks, views, grants), at most
/// `MAX_EXPECTED_SECONDS`. Unscaled when the rehearsal did not record them;
/// None without a duration.
pub fn expected_seconds(r: &Rehearsal, relations_now: i64) -> Option<f64> {
    let duration = r.duration_seconds.filter(|d| d.is_finite() && *d >= 0.0)?;
    let scaled = match r.relations {
        // Counts are below 2^53, so they convert to f64 exactly.
        Some(then) if then > 0 && relations_now > 0 => duration * relations_now as f64 / then as f64,
        _ => duration,
    };
    Some(scaled.min(MAX_EXPECTED_SECONDS))
}

/// The successful rehearsal of `path` that says most about this catalog:
/// the newest on a comparable catalog, else the newest at all.
pub fn best_success<'a>(rehearsals: &'a [Rehearsal], path: &LockPath, now: CatalogSize) -> Option<&'a Rehearsal> {
    let comparable = stored_last(of_path(rehearsals, path).filter(|r| r.succeeded && !on_much_smaller_catalog(r, now)));
    comparable.or_else(|| newest_success(rehearsals, path))
}

/// The expected duration of `path` here, from `best_success`; None
/// without a successful rehearsal.
pub fn expected_seconds_for(rehearsals: &[Rehearsal], path: &LockPath, now: CatalogSize) -> Option<f64> {
    best_success(rehearsals, path, now).and_then(|r| expected_seconds(r, now.relations))
}

/// "2026-12-04 05:00:00 UTC": when, for a person.
pub fn when(r: &Rehearsal) -> String {
    format!("{} UTC", r.measured_at.get(..19).unwrap_or(&r.measured_at))
}

/// "in database promscale_copy, imported" / "here": where it ran.
pub fn where_it_ran(r: &Rehearsal) -> String {
    let db = r.database_name.as_deref().map(crate::quote::for_message);
    match (r.origin.as_str(), db) {
        ("imported", Some(db)) => format!("on a copy (database {db}), imported"),
        ("imported", None) => "on a copy, imported".into(),
        _ => "in this database".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::ExtVersion;

    fn rehearsal(path: &str, from: Option<&str>, to: &str, at: &str, ok: bool) -> Rehearsal {
        Rehearsal {
            path: path.into(),
            from_version: from.map(str::to_string),
            to_version: Some(to.into()),
            measured_at: at.into(),
            succeeded: ok,
            locks_held: ok.then_some(1_000),
            duration_seconds: Some(10.0),
            relations: Some(2_000),
            metrics: Some(100),
            origin: "local".into(),
            ..Rehearsal::default()
        }
    }

    fn update(from: &str, to: &str) -> LockPath {
        LockPath::Update { from: ExtVersion::parse(from).unwrap(), target: ExtVersion::parse(to) }
    }

    #[test]
    fn only_the_same_path_and_versions_count() {
        let log = vec![
            rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true),
            rehearsal("update", Some("0.6.0"), "0.8.0", "2026-12-03 10:00:00.000000", false),
            rehearsal("update", Some("0.7.0"), "0.9.0", "2026-12-03 10:00:00.000000", false),
            rehearsal("takeover", None, "0.8.0", "2026-12-03 10:00:00.000000", false),
        ];
        let path = update("0.7.0", "0.8.0");
        assert_eq!(of_path(&log, &path).count(), 1);
        assert!(newest(&log, &path).unwrap().succeeded);
        let takeover = LockPath::Takeover { target: ExtVersion::parse("0.8.0") };
        assert!(!newest(&log, &takeover).unwrap().succeeded);
        assert_eq!(newest_success(&log, &takeover), None);
        assert_eq!(newest(&log, &LockPath::Nothing), None);
    }

    #[test]
    fn the_newest_decides_and_the_newest_success_gives_the_duration() {
        let mut log = vec![
            rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true),
            rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-02 10:00:00.000000", false),
        ];
        let path = update("0.7.0", "0.8.0");
        assert!(!newest(&log, &path).unwrap().succeeded, "a later failure decides");
        assert_eq!(newest_success(&log, &path).unwrap().measured_at, "2026-12-01 10:00:00.000000");
        log[0].duration_seconds = Some(60.0);
        let now = CatalogSize { relations: 4_000, metrics: 100 };
        assert_eq!(expected_seconds_for(&log, &path, now), Some(120.0), "twice the relations, twice the time");
    }

    /// An imported record that claims a later time than a failure imported
    /// after it does not mask the failure: what was stored last decides.
    #[test]
    fn the_rehearsal_stored_last_decides_not_the_time_it_claims() {
        let mut forged = rehearsal("update", Some("0.7.0"), "0.8.0", "9999-12-31 23:59:59.000000", true);
        forged.stored_at = Some("2026-12-07 10:00:00.000000".into());
        forged.duration_seconds = Some(0.0);
        let mut failed = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-06 10:00:00.000000", false);
        failed.stored_at = Some("2026-12-07 11:00:00.000000".into());
        let mut genuine = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-05 10:00:00.000000", true);
        genuine.stored_at = Some("2026-12-07 12:00:00.000000".into());
        let path = update("0.7.0", "0.8.0");
        let log = vec![forged.clone(), failed.clone()];
        assert!(!newest(&log, &path).unwrap().succeeded, "the failure stored after the forged record decides");
        let log = vec![forged, failed, genuine];
        assert_eq!(newest_success(&log, &path).unwrap().measured_at, "2026-12-05 10:00:00.000000");
        let now = CatalogSize { relations: 2_000, metrics: 100 };
        assert_eq!(expected_seconds_for(&log, &path, now), Some(10.0), "not the forged record's 0 s");
        // A local row has no stored_at of its own: its measured_at is when it was stored.
        let local = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-07 13:00:00.000000", false);
        assert_eq!(local.stored_order(), "2026-12-07 13:00:00.000000");
    }

    #[test]
    fn the_expected_duration_is_bounded() {
        let mut r = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true);
        (r.relations, r.duration_seconds) = (Some(1), Some(604_800.0));
        assert_eq!(expected_seconds(&r, i64::MAX), Some(MAX_EXPECTED_SECONDS));
        r.duration_seconds = Some(f64::INFINITY);
        assert_eq!(expected_seconds(&r, 1), None);
    }

    #[test]
    fn a_comparable_catalog_beats_a_newer_smaller_one() {
        let mut small = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-02 10:00:00.000000", true);
        (small.relations, small.duration_seconds) = (Some(10), Some(1.0));
        let log = vec![rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true), small];
        let path = update("0.7.0", "0.8.0");
        let now = CatalogSize { relations: 2_000, metrics: 100 };
        assert_eq!(best_success(&log, &path, now).unwrap().relations, Some(2_000));
        assert_eq!(expected_seconds_for(&log, &path, now), Some(10.0));
        assert_eq!(best_success(&log[1..], &path, now).unwrap().relations, Some(10), "the only one there is");
    }

    #[test]
    fn the_duration_scales_with_the_relations_and_stays_without_them() {
        let mut r = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true);
        assert_eq!(expected_seconds(&r, 1_000), Some(5.0));
        r.relations = None;
        assert_eq!(expected_seconds(&r, 1_000), Some(10.0));
        r.duration_seconds = None;
        assert_eq!(expected_seconds(&r, 1_000), None, "a rehearsal of before 0.4.0 has no duration");
    }

    #[test]
    fn much_smaller_means_under_half_the_relations_or_the_metrics() {
        let then = CatalogSize { relations: 1_000, metrics: 100 };
        assert!(!then.much_smaller_than(CatalogSize { relations: 2_000, metrics: 200 }), "exactly half is comparable");
        assert!(then.much_smaller_than(CatalogSize { relations: 2_001, metrics: 100 }));
        assert!(then.much_smaller_than(CatalogSize { relations: 1_000, metrics: 201 }));
        assert!(!then.much_smaller_than(CatalogSize { relations: 10, metrics: 1 }), "a bigger copy is comparable");
        let mut old = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.000000", true);
        old.metrics = None;
        assert!(!on_much_smaller_catalog(&old, CatalogSize { relations: 1_000_000, metrics: 1_000 }));
    }

    #[test]
    fn people_read_when_where_and_how_long() {
        let mut r = rehearsal("update", Some("0.7.0"), "0.8.0", "2026-12-01 10:00:00.123456", true);
        assert_eq!(when(&r), "2026-12-01 10:00:00 UTC");
        assert_eq!(where_it_ran(&r), "in this database");
        r.origin = "imported".into();
        r.database_name = Some("copy\n1".into());
        assert_eq!(where_it_ran(&r), "on a copy (database copy\\n1), imported");
    }
}
