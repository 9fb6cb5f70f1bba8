//! The upgrade's locks must fit the lock table, on the primary and on the
//! standbys that replay them; otherwise it dies with `out of shared memory`
//! (SQLSTATE 53200) after minutes, with ingestion stopped.

use super::{Check, CheckName};
use crate::locks::capacity::Fit;
use crate::locks::estimate::LockPath;
use crate::locks::LockAssessment;
use crate::snapshot::Snapshot;

fn restart_hint(a: &LockAssessment) -> String {
    format!(
        "Run {} and restart PostgreSQL before the upgrade (the setting takes effect only at server start); afterwards it can be set back. SELECT * FROM {}() shows the breakdown.",
        a.alter_system(),
        crate::quote::guard_call("promscale_upgrade_lock_estimate")
    )
}

pub fn lock_capacity(a: &LockAssessment) -> Check {
    const NAME: CheckName = CheckName::LockCapacity;
    if a.estimate.path == LockPath::Nothing {
        return Check::ok(NAME, "The upgrade runs no extension script, so it needs no extra locks.");
    }
    let c = &a.capacity;
    let numbers = format!(
        "The upgrade needs about {} lock-table entries in one transaction; the lock table has {} ({}), of which other sessions hold {}, leaving {}",
        a.estimate.locks_needed,
        c.size.nominal_entries(),
        c.size.explain(),
        c.in_use,
        c.available()
    );
    match a.fit {
        Fit::Comfortable => {
            Check::ok(NAME, format!("{numbers}, more than the {}% safety margin asks.", c.margin_percent))
        }
        Fit::Thin => Check::warning(
            NAME,
            format!("{numbers}: it fits, but with less than the {}% safety margin.", c.margin_percent),
            restart_hint(a),
        ),
        Fit::DoesNotFit => Check::fail(
            NAME,
            format!("{numbers}: the upgrade would fail with \"out of shared memory\" (SQLSTATE 53200)."),
            restart_hint(a),
        ),
    }
}

pub fn standby_lock_capacity(s: &Snapshot, a: &LockAssessment) -> Check {
    const NAME: CheckName = CheckName::StandbyLockCapacity;
    if s.streaming_standbys == 0 {
        return Check::ok(NAME, "No streaming standby replays this server's locks.");
    }
    if a.estimate.path == LockPath::Nothing {
        return Check::ok(
            NAME,
            format!("{} streaming standby(s) connected; the upgrade runs no extension script.", s.streaming_standbys),
        );
    }
    Check::warning(
        NAME,
        format!(
            "{} streaming standby(s) replay the upgrade: the startup process of each re-takes every ACCESS EXCLUSIVE lock of the upgrade (up to about {} entries) in the standby's own lock table, next to the locks of the queries running there; if that table is too small, replay fails with \"out of shared memory\" and the standby shuts down.",
            s.streaming_standbys, a.estimate.locks_needed
        ),
        format!(
            "Before the upgrade, set max_locks_per_transaction to at least {} on every standby and restart it (standbys first, then the primary), and keep heavy queries off the standbys while the upgrade runs.",
            a.recommended_max_locks
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::catalog::classes::ObjectClass;
    use crate::catalog::lock_table::LockTableSize;
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::{Snapshot, UpdatePath};

    fn legacy(metrics: i64, max_locks: i64) -> Snapshot {
        let mut s = snapshot_with(None, &["0.0.0", "0.8.0"], "0.8.0");
        s.legacy_schema = Some("public".into());
        s.promscale_update_paths.push(UpdatePath {
            source: "0.0.0".into(),
            target: "0.8.0".into(),
            path: "0.0.0--0.8.0".into(),
        });
        s.objects.insert(ObjectClass::MetricTables, metrics);
        s.objects.insert(ObjectClass::Chunks, metrics * 10);
        s.objects.insert(ObjectClass::Routines, 200);
        s.lock_table =
            LockTableSize { max_backends: 122, max_locks_per_transaction: max_locks, max_prepared_transactions: 0 };
        s.lock_margin_percent = 20;
        s
    }

    #[test]
    fn a_big_takeover_does_not_fit_the_default_table() {
        let c = run_named(&legacy(10_000, 64), None, "lock_capacity");
        assert_eq!(c.status, Status::Fail, "{c:?}");
        assert!(c.detail.contains("the lock table has 7808"), "{}", c.detail);
        assert!(c.detail.contains("out of shared memory"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("ALTER SYSTEM SET max_locks_per_transaction = "));
        assert_eq!(run_named(&legacy(10_000, 2000), None, "lock_capacity").status, Status::Ok);
    }

    #[test]
    fn locks_held_by_others_can_tip_it_over() {
        let mut s = legacy(100, 64);
        assert_eq!(run_named(&s, None, "lock_capacity").status, Status::Ok);
        s.locks_in_use = 7000;
        assert_eq!(run_named(&s, None, "lock_capacity").status, Status::Fail);
        s.locks_in_use = 6300;
        assert_eq!(run_named(&s, None, "lock_capacity").status, Status::Warning);
    }

    #[test]
    fn standbys_get_a_warning_with_numbers() {
        let mut s = legacy(100, 64);
        assert_eq!(run_named(&s, None, "standby_lock_capacity").status, Status::Ok);
        s.streaming_standbys = 2;
        let c = run_named(&s, None, "standby_lock_capacity");
        assert_eq!(c.status, Status::Warning);
        assert!(c.detail.starts_with("2 streaming standby(s)"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("standbys first"));
    }

    #[test]
    fn up_to_date_needs_nothing() {
        let mut s = snapshot_with(Some("0.8.0"), &["0.8.0"], "0.8.0");
        s.streaming_standbys = 1;
        assert_eq!(run_named(&s, None, "lock_capacity").status, Status::Ok);
        assert_eq!(run_named(&s, None, "standby_lock_capacity").status, Status::Ok);
    }
}
