//! The upgrade guide says to test the new version before upgrading: the
//! `rehearsed` check says whether this path was rehearsed (here, or on a
//! restored copy and imported), on a catalog like this one, and how it
//! went. A rehearsal that failed is the upgrade failing, found early.

use super::{Check, CheckName};
use crate::locks::estimate::LockPath;
use crate::plan::Plan;
use crate::quote::{duration_text, guard_call, quote_literal, text_for_message};
use crate::rehearsal_history::{self as history, CatalogSize};
use crate::snapshot::{Rehearsal, Snapshot};

const NAME: CheckName = CheckName::Rehearsed;

/// At most this many characters of a rehearsal's error in the detail: what
/// an imported record may carry (2 kB).
const ERROR_SHOWN_CHARS: usize = 2048;

/// The steps that carry a rehearsal from a copy to this database.
fn how_to_rehearse(plan: &Plan) -> String {
    let target = if plan.target_given { quote_literal(&plan.target_release.version.text) } else { String::new() };
    format!(
        "Restore a copy of this database (pg_restore of a dump, or CREATE DATABASE ... TEMPLATE while nothing is connected to it), install the new extension versions there, run SELECT * FROM {}({target}); on the copy as a superuser, then SELECT {}({target}); there, and store the result here with SELECT * FROM {}('<the exported record>'{}); as a superuser.",
        guard_call("promscale_upgrade_rehearse"),
        guard_call("promscale_upgrade_rehearsal_export"),
        guard_call("promscale_upgrade_rehearsal_import"),
        if target.is_empty() { String::new() } else { format!(", {target}") }
    )
}

/// "on 2026-12-04 05:00:00 UTC in this database (3 min 10 s, 1234 lock entries)".
fn summary(r: &Rehearsal) -> String {
    let mut facts = Vec::new();
    if let Some(d) = r.duration_seconds {
        facts.push(duration_text(d));
    }
    if let Some(l) = r.locks_held {
        facts.push(format!("{l} lock entries"));
    }
    let facts = if facts.is_empty() { String::new() } else { format!(" ({})", facts.join(", ")) };
    format!("on {} {}{facts}", history::when(r), history::where_it_ran(r))
}

fn catalog(r: &Rehearsal) -> String {
    match CatalogSize::of(r) {
        Some(c) => format!("{} relations and {} metrics", c.relations, c.metrics),
        None => "a catalog of unrecorded size".into(),
    }
}

pub fn rehearsed(snapshot: &Snapshot, plan: &Plan, path: &LockPath) -> Check {
    if *path == LockPath::Nothing {
        return Check::ok(NAME, "The upgrade runs no extension script, so there is nothing to rehearse.");
    }
    let now = CatalogSize::now(snapshot);
    let upgrade = format!("The upgrade ({})", path.describe());
    let newest = history::newest(&snapshot.rehearsals, path);
    if let (None, Some(why)) = (newest, &snapshot.rehearsal_log_unread) {
        // Never "not rehearsed" for "could not read whether it was".
        return Check::warning(
            NAME,
            format!("{upgrade}: the rehearsals were not read: {why}."),
            "Read the readiness report again when the sessions named have ended; a lock queued on the guard's own tables is most likely a mistake (or an attack) by the role named.",
        );
    }
    if matches!(path, LockPath::Fresh { .. }) && newest.is_none_or(|r| r.succeeded) {
        // Nothing to migrate: the script creates Promscale's schema.
        return Check::ok(
            NAME,
            format!(
                "{upgrade} is a fresh install into a database without Promscale: there is no data to rehearse it on."
            ),
        );
    }
    if let Some(r) = newest.filter(|r| !r.succeeded) {
        // The error may come from a copy someone else controlled: escaped,
        // so that it cannot break the NOTICE or log line that shows it.
        let error = r.error.as_deref().map_or_else(
            || "its error was not recorded (a rehearsal of before guard 0.4.0)".to_string(),
            |e| text_for_message(e, ERROR_SHOWN_CHARS),
        );
        return Check::fail(
            NAME,
            format!("{upgrade} failed in its newest rehearsal, {}: {}.", summary(r), error.trim_end_matches('.')),
            format!(
                "The upgrade would fail the same way: fix the cause on a copy, then rehearse again. {}",
                how_to_rehearse(plan)
            ),
        );
    }
    match history::best_success(&snapshot.rehearsals, path, now) {
        Some(r) if !history::on_much_smaller_catalog(r, now) => {
            Check::ok(NAME, format!("{upgrade} was rehearsed successfully {}, on {}.", summary(r), catalog(r)))
        }
        Some(r) => Check::warning(
            NAME,
            format!(
                "{upgrade} was rehearsed only on a much smaller catalog, {}, on {}, while this database has {} relations and {} metrics: its duration and locks say little about this one.",
                summary(r),
                catalog(r),
                now.relations,
                now.metrics
            ),
            format!("Rehearse on a full copy of this database. {}", how_to_rehearse(plan)),
        ),
        None => Check::warning(
            NAME,
            format!("{upgrade} was never rehearsed, so whether it succeeds on this catalog and how long it takes are unknown."),
            how_to_rehearse(plan),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::Rehearsal;

    fn rehearsal(ok: bool, relations: i64) -> Rehearsal {
        Rehearsal {
            path: "update".into(),
            from_version: Some("0.7.0".into()),
            to_version: Some("0.8.0".into()),
            measured_at: "2026-12-01 10:00:00.000000".into(),
            succeeded: ok,
            locks_held: ok.then_some(1_234),
            duration_seconds: Some(190.0),
            error: (!ok).then(|| "2BP01: cannot drop view prom_info.metric because other objects depend on it".into()),
            relations: Some(relations),
            metrics: Some(0),
            origin: "imported".into(),
            database_name: Some("promscale_copy".into()),
            ..Rehearsal::default()
        }
    }

    fn snapshot(rehearsals: Vec<Rehearsal>) -> crate::snapshot::Snapshot {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.relations_outside_system_schemas = 1_000;
        s.rehearsals = rehearsals;
        s
    }

    #[test]
    fn never_rehearsed_is_a_warning_that_says_how() {
        let c = run_named(&snapshot(vec![]), None, "rehearsed");
        assert_eq!(c.status, Status::Warning, "{c:?}");
        assert!(c.detail.contains("never rehearsed"), "{c:?}");
        let hint = c.hint.unwrap();
        for step in [
            "promscale_upgrade_rehearse()",
            "promscale_upgrade_rehearsal_export()",
            "promscale_upgrade_rehearsal_import(",
        ] {
            assert!(hint.contains(step), "{step} in {hint}");
        }
    }

    #[test]
    fn a_comparable_success_is_ok_with_when_how_long_and_locks() {
        let c = run_named(&snapshot(vec![rehearsal(true, 900)]), None, "rehearsed");
        assert_eq!(c.status, Status::Ok, "{c:?}");
        for fact in ["2026-12-01 10:00:00 UTC", "3 min 10 s", "1234 lock entries", "promscale_copy", "900 relations"] {
            assert!(c.detail.contains(fact), "{fact} in {}", c.detail);
        }
    }

    #[test]
    fn a_success_on_a_much_smaller_catalog_is_a_warning() {
        let c = run_named(&snapshot(vec![rehearsal(true, 100)]), None, "rehearsed");
        assert_eq!(c.status, Status::Warning, "{c:?}");
        assert!(c.detail.contains("much smaller"), "{c:?}");
    }

    #[test]
    fn the_newest_failure_fails_with_its_error() {
        let mut failed = rehearsal(false, 1_000);
        failed.measured_at = "2026-12-02 10:00:00.000000".into();
        let c = run_named(&snapshot(vec![rehearsal(true, 1_000), failed]), None, "rehearsed");
        assert_eq!(c.status, Status::Fail, "{c:?}");
        assert!(c.detail.contains("2BP01: cannot drop view prom_info.metric"), "{c:?}");
        // A success after the failure decides again.
        let mut later = rehearsal(true, 1_000);
        later.measured_at = "2026-12-03 10:00:00.000000".into();
        let mut failed = rehearsal(false, 1_000);
        failed.measured_at = "2026-12-02 10:00:00.000000".into();
        assert_eq!(run_named(&snapshot(vec![failed, later]), None, "rehearsed").status, Status::Ok);
    }

    #[test]
    fn an_imported_error_is_shown_escaped() {
        let mut failed = rehearsal(false, 1_000);
        failed.error = Some("2BP01: x\nLOG:  forged line\u{1b}[2J\u{2028}".into());
        let c = run_named(&snapshot(vec![failed]), None, "rehearsed");
        assert_eq!(c.status, Status::Fail, "{c:?}");
        assert!(c.detail.contains(r"2BP01: x\nLOG:  forged line\x1b[2J\u2028"), "{}", c.detail);
        assert!(!c.detail.chars().any(|ch| ch.is_control() || ch == '\u{2028}'), "{:?}", c.detail);
    }

    #[test]
    fn a_fresh_install_needs_no_rehearsal_unless_one_failed() {
        let mut s = snapshot_with(None, &["0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, None, "rehearsed").status, Status::Ok);
        let mut failed = rehearsal(false, 0);
        (failed.path, failed.from_version) = ("fresh".into(), None);
        s.rehearsals = vec![failed];
        assert_eq!(run_named(&s, None, "rehearsed").status, Status::Fail);
    }

    #[test]
    fn another_path_does_not_count() {
        let mut other = rehearsal(true, 1_000);
        other.from_version = Some("0.6.0".into());
        assert_eq!(run_named(&snapshot(vec![other]), None, "rehearsed").status, Status::Warning);
    }

    #[test]
    fn a_named_target_is_in_the_hint() {
        let c = run_named(&snapshot(vec![]), Some("0.17.0"), "rehearsed");
        assert!(c.hint.unwrap_or_default().contains("promscale_upgrade_rehearse('0.17.0')"));
    }
}
