//! Fail-fast: the connector's own update is refused at once when it would
//! fail or do harm later (other connectors still running, a lock table too
//! small even when empty), and warned about when other sessions crowd the
//! lock table. `LockFit` is the estimate beside the table.

use super::kind::{noun, verb};
use super::{Facts, Message, Refusal, RefusalReason};
use crate::checks::{list_some, plural};
use crate::plan::UpgradeKind;
use crate::settings::FAIL_FAST;
use crate::snapshot::LockHolder;

/// Whether the update about to run fits the lock table: its estimate
/// (`locks::estimate::LockEstimate`) beside the table's size and use, as
/// fail-fast and the upgrade log need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFit {
    pub locks_needed: i64,
    /// The part of `locks_needed` counted in the catalog.
    pub locks_counted: i64,
    pub lock_capacity: i64,
    pub locks_in_use: i64,
    pub recommended_max_locks_per_transaction: i64,
    /// The other backends holding the most lock entries now.
    pub holders: Vec<LockHolder>,
}

impl LockFit {
    pub fn locks_free(&self) -> i64 {
        self.lock_capacity - self.locks_in_use
    }
    pub fn fits(&self) -> bool {
        self.locks_needed <= self.locks_free()
    }
    /// Whether the update alone fits the lock table's nominal size. What
    /// other sessions hold comes and goes (and the table borrows spare
    /// shared memory when full), so only an update that cannot fit even an
    /// empty table is sure to fail.
    pub fn fits_an_empty_table(&self) -> bool {
        self.locks_needed <= self.lock_capacity
    }
}

/// The connector's own update: refuse at once what would fail or do harm
/// later. None when it may go ahead.
pub(super) fn fail_fast(kind: UpgradeKind, facts: &Facts) -> Option<Refusal> {
    let off = format!(
        "To skip this check, a superuser can set {FAIL_FAST} = off for the connector's role or database (ALTER ROLE ... SET or ALTER DATABASE ... SET)."
    );
    let sessions = &facts.other_connector_sessions;
    if !sessions.is_empty() {
        let described: Vec<String> = sessions.iter().map(crate::checks::describe_connector_session).collect();
        return Some(Refusal {
            reason: RefusalReason::ConnectorsConnected,
            message: Message {
                message: format!(
                    "extension \"promscale\" cannot be {} while other Promscale Connector sessions are connected",
                    verb(kind)
                ),
                detail: format!(
                    "{} connected: {}. They would keep running against an extension version they do not support.",
                    plural(sessions.len(), "other connector session is", "other connector sessions are"),
                    list_some(&described, 10)
                ),
                hint: format!(
                    "Stop every other Promscale Connector instance, then start this connector again.{} {off}",
                    crate::checks::end_connector_sessions(sessions)
                ),
            },
        });
    }
    if let Some(estimate) = facts.lock_fit.as_ref().filter(|e| !e.fits_an_empty_table()) {
        return Some(Refusal {
            reason: RefusalReason::LockTableTooSmall,
            message: Message {
                message: format!(
                    "extension \"promscale\" cannot be {}: the {} needs more lock table entries than are free",
                    verb(kind),
                    noun(kind)
                ),
                detail: format!(
                    "The {} takes about {} locks in one transaction; the lock table holds {} entries even when no other session uses any. It would fail with \"out of shared memory\" after running for a long time, with ingestion stopped.",
                    noun(kind),
                    estimate.locks_needed,
                    estimate.lock_capacity,
                ),
                hint: format!(
                    "Run ALTER SYSTEM SET max_locks_per_transaction = {}; restart PostgreSQL, then start the connector again. {off}",
                    estimate.recommended_max_locks_per_transaction
                ),
            },
        });
    }
    None
}

/// The update fits an empty lock table but not what other sessions leave
/// of it: a WARNING naming who holds the entries, and the update goes on
/// (the table borrows spare shared memory, and those sessions may end).
pub(super) fn crowded_warning(kind: UpgradeKind, fit: &LockFit) -> Option<Message> {
    if fit.fits() {
        return None;
    }
    let holders: Vec<String> = fit
        .holders
        .iter()
        .map(|h| {
            format!(
                "pid {} (role {}, application_name {}) holds {}",
                h.pid,
                h.role.as_deref().unwrap_or("unknown"),
                if h.application_name.is_empty() { "empty" } else { &h.application_name },
                h.locks
            )
        })
        .collect();
    Some(Message {
        message: format!("the promscale {} may not fit in what other sessions leave of the lock table", noun(kind)),
        detail: format!(
            "The {} takes about {} locks; the lock table holds {} entries and other sessions use {} ({}). It fits the table alone, so it goes ahead, but it fails with \"out of shared memory\" if those sessions keep their locks and spare shared memory runs out.",
            noun(kind),
            fit.locks_needed,
            fit.lock_capacity,
            fit.locks_in_use,
            if holders.is_empty() { "no single backend stands out".to_string() } else { list_some(&holders, 5) }
        ),
        hint: format!(
            "If the update fails, end the transactions of those sessions (SELECT pg_terminate_backend(pid)) or raise max_locks_per_transaction to {} and restart PostgreSQL.",
            fit.recommended_max_locks_per_transaction
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fail_fast_refuses_the_lease_holder_while_connectors_run() {
        let facts = Facts {
            connector_lock: ConnectorLock::Session,
            other_connector_sessions: vec![
                session(41, "promscale@0.16.0", None),
                session(42, "", Some("ShareLock (waiting)")),
            ],
            ..installed("0.7.0")
        };
        let r = refusal(decide(&update(Some("0.8.0")), &facts));
        assert_eq!((r.reason, r.reason.sqlstate()), (RefusalReason::ConnectorsConnected, "55006"));
        assert_eq!(
            r.message.message,
            "extension \"promscale\" cannot be updated while other Promscale Connector sessions are connected"
        );
        assert!(
            r.message
                .detail
                .starts_with("2 other connector sessions are connected: pid 41 (application_name promscale@0.16.0"),
            "{}",
            r.message.detail
        );
        assert!(r.message.hint.contains("ARRAY[41, 42]"), "{}", r.message.hint);
        assert!(r.message.hint.contains("promscale_upgrade_guard.fail_fast = off"), "{}", r.message.hint);
        let off = Facts { fail_fast: false, ..facts };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &off)).by, AllowedBy::ConnectorLock);
    }

    #[test]
    fn fail_fast_refuses_an_update_that_will_not_fit_the_lock_table() {
        let estimate = LockFit {
            locks_needed: 12_000,
            locks_counted: 11_000,
            lock_capacity: 7_808,
            locks_in_use: 300,
            recommended_max_locks_per_transaction: 256,
            holders: Vec::new(),
        };
        let facts = Facts { connector_lock: ConnectorLock::Session, lock_fit: Some(estimate.clone()), ..legacy() };
        let r = refusal(decide(&create(Some("0.0.0")), &facts));
        assert_eq!((r.reason, r.reason.sqlstate()), (RefusalReason::LockTableTooSmall, "53400"));
        assert!(r.message.message.starts_with("extension \"promscale\" cannot be created: "), "{}", r.message.message);
        assert!(
            r.message.detail.contains("about 12000 locks") && r.message.detail.contains("holds 7808 entries"),
            "{}",
            r.message.detail
        );
        assert!(r.message.hint.contains("ALTER SYSTEM SET max_locks_per_transaction = 256;"), "{}", r.message.hint);
        // Break-glass is the superuser's call: recorded, not refused.
        let glass = Facts { connector_lock: ConnectorLock::NotHeld, allow_manual_update: true, ..facts.clone() };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &glass)).locks_estimated, Some(12_000));
        // So is fail-fast off.
        let off = Facts { fail_fast: false, ..facts.clone() };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &off)).by, AllowedBy::ConnectorLock);
        // A fitting estimate passes and is carried into the log.
        let fits = LockFit { locks_needed: 5_000, ..estimate };
        let facts = Facts { lock_fit: Some(fits), ..facts };
        let a = allowed(decide(&create(Some("0.0.0")), &facts));
        assert_eq!((a.locks_estimated, a.warning), (Some(5_000), None));
    }

    /// Other sessions' locks (a plain role can take thousands of advisory
    /// locks) never make fail-fast refuse an update that fits the table
    /// alone: it goes ahead with a WARNING naming who holds the entries.
    #[test]
    fn other_sessions_locks_warn_but_do_not_refuse() {
        let crowded = LockFit {
            locks_needed: 2_000,
            locks_counted: 1_800,
            lock_capacity: 7_808,
            locks_in_use: 7_700,
            recommended_max_locks_per_transaction: 192,
            holders: vec![LockHolder {
                pid: 4242,
                role: Some("mallory".into()),
                application_name: "psql".into(),
                locks: 7_650,
            }],
        };
        let facts = Facts { connector_lock: ConnectorLock::Session, lock_fit: Some(crowded), ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        let w = a.warning.expect("a warning naming the holders");
        assert!(w.message.starts_with("the promscale update may not fit"), "{}", w.message);
        assert!(w.detail.contains("pid 4242 (role mallory, application_name psql) holds 7650"), "{}", w.detail);
        assert!(w.hint.contains("max_locks_per_transaction to 192"), "{}", w.hint);
    }
}
