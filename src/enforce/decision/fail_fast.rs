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
/// later. None when it may go ahead. Only sessions that hold the
/// connector's key count as connectors: a name or a place in the key's
/// queue is open to any role (`unlocked_warning` names those).
pub(super) fn fail_fast(kind: UpgradeKind, facts: &Facts) -> Option<Refusal> {
    let off = format!(
        "To skip this check, a superuser can set {FAIL_FAST} = off for the connector's role or database (ALTER ROLE ... SET or ALTER DATABASE ... SET)."
    );
    let (holding, _) = crate::checks::split_connector_sessions(&facts.other_connector_sessions);
    if !holding.is_empty() {
        let described: Vec<String> = holding.iter().map(|c| crate::checks::describe_connector_session(c)).collect();
        return Some(Refusal {
            reason: RefusalReason::ConnectorsConnected,
            message: Message {
                message: format!(
                    "extension \"promscale\" cannot be {} while other Promscale Connector sessions are connected",
                    verb(kind)
                ),
                detail: format!(
                    "{} connected: {}. They would keep running against an extension version they do not support.",
                    plural(holding.len(), "other connector session is", "other connector sessions are"),
                    list_some(&described, 10)
                ),
                hint: format!(
                    "Stop every other Promscale Connector instance, then start this connector again.{} {off}",
                    crate::checks::end_connector_sessions(&holding)
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

/// Sessions that look like connectors but hold nothing on the key (they
/// wait for it, or only carry the name): a WARNING naming them, and the
/// update goes on. Any role can be such a session, so it never refuses.
pub(super) fn unlocked_warning(kind: UpgradeKind, facts: &Facts) -> Option<Message> {
    let (_, unlocked) = crate::checks::split_connector_sessions(&facts.other_connector_sessions);
    if unlocked.is_empty() {
        return None;
    }
    Some(Message {
        message: format!(
            "other sessions look like Promscale Connectors but hold no connector lock; the promscale {} goes on",
            noun(kind)
        ),
        detail: format!(
            "Seen, but not counted as connectors: {}. Only a session holding the connector's advisory lock (key {}) is a running connector.",
            crate::checks::unlocked_connector_sessions(&unlocked),
            facts.connector_lock_key
        ),
        hint: crate::checks::UNLOCKED_CONNECTOR_SESSIONS_HINT.to_string(),
    })
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
                h.role.as_deref().map_or_else(|| "unknown".to_string(), crate::quote::for_message),
                if h.application_name.is_empty() {
                    "empty".to_string()
                } else {
                    crate::quote::for_message(&h.application_name)
                },
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

    /// Sessions holding the key (in share mode: running connectors; a
    /// prepared transaction) make fail-fast refuse the lease holder. They
    /// cannot hold it beside a granted lease in one database, so this is the
    /// rule's defence in depth, not a case the server shows.
    #[test]
    fn fail_fast_refuses_the_lease_holder_while_connectors_run() {
        let facts = Facts {
            connector_lock: ConnectorLock::Session,
            other_connector_sessions: vec![
                session(41, "promscale@0.16.0", &[("ShareLock", true)]),
                session(42, "", &[("ShareLock", true)]),
                session(43, "promscale@0.16.0", &[]),
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
        assert!(r.message.hint.contains("ARRAY[41, 42])"), "{}", r.message.hint);
        assert!(r.message.hint.contains("promscale_upgrade_guard.fail_fast = off"), "{}", r.message.hint);
        let off = Facts { fail_fast: false, ..facts };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &off)).by, AllowedBy::ConnectorLock);
    }

    /// Issue 26, finding 4: a session named promscale@..., or waiting for
    /// the key behind the lease, is open to any login role. The lease
    /// holder's update goes on, with a WARNING that names them.
    #[test]
    fn names_and_waiters_never_refuse_the_lease_holder() {
        let facts = Facts {
            connector_lock: ConnectorLock::Session,
            other_connector_sessions: vec![
                session(51, "promscale@0.17.0", &[]),
                session(52, "psql", &[("ShareLock", false)]),
            ],
            ..installed("0.7.0")
        };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
        let w = &a.warnings[0];
        assert_eq!(
            w.message,
            "other sessions look like Promscale Connectors but hold no connector lock; the promscale update goes on"
        );
        assert!(w.detail.contains("pid 51 is named promscale@0.17.0 but holds no connector lock"), "{}", w.detail);
        assert!(w.detail.contains("pid 52 waits for the connector lock (ShareLock"), "{}", w.detail);
        assert!(w.detail.ends_with('.') && w.hint.ends_with('.'), "{w:?}");
        // Beside a crowded lock table: both warnings.
        let crowded = LockFit {
            locks_needed: 2_000,
            locks_counted: 1_800,
            lock_capacity: 7_808,
            locks_in_use: 7_700,
            recommended_max_locks_per_transaction: 192,
            holders: Vec::new(),
        };
        let both = Facts { lock_fit: Some(crowded), ..facts.clone() };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &both)).warnings.len(), 2);
        // Fail-fast off: no check, no warning.
        let off = Facts { fail_fast: false, ..facts };
        assert!(allowed(decide(&update(Some("0.8.0")), &off)).warnings.is_empty());
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
        assert_eq!((a.locks_estimated, a.warnings.is_empty()), (Some(5_000), true));
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
        let w = a.warnings.into_iter().next().expect("a warning naming the holders");
        assert!(w.message.starts_with("the promscale update may not fit"), "{}", w.message);
        assert!(w.detail.contains("pid 4242 (role mallory, application_name psql) holds 7650"), "{}", w.detail);
        assert!(w.hint.contains("max_locks_per_transaction to 192"), "{}", w.hint);
    }
}
