//! How this session holds the connector's migration lock: only the
//! session-level exclusive lock is the lease; what the refusal says of the
//! other ways, and of another session that holds the lease now.

use super::Facts;
use crate::quote::for_message as escape;
use crate::settings::CONNECTOR_ROLES;
use crate::snapshot::Standing;

/// How this backend holds the connector's advisory lock key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorLock {
    NotHeld,
    /// ShareLock only: what every running connector's pool connection holds.
    SharedOnly,
    /// ExclusiveLock, but only at transaction level (`pg_advisory_xact_lock`).
    TransactionLevel,
    /// ExclusiveLock at session level (`pg_try_advisory_lock`): the
    /// connector's migration lease.
    Session,
}

/// "..., but <this>": how this session falls short of the connector's lease.
pub(super) fn lock_clause(facts: &Facts) -> String {
    let key = facts.connector_lock_key;
    if facts.connector_lock == ConnectorLock::Session && !facts.in_connector_roles {
        return format!(
            "role \"{}\" is not a member of any role in {CONNECTOR_ROLES} ({}), the roles that may update with the Promscale Connector's migration lock",
            facts.role,
            facts.connector_roles.join(", ")
        );
    }
    match facts.connector_lock {
        ConnectorLock::SharedOnly => format!(
            "this session holds the advisory lock on key {key} only in shared mode, as running connectors do, not the Promscale Connector's migration lock (the same key, exclusive, at session level)"
        ),
        ConnectorLock::TransactionLevel => format!(
            "this session holds the advisory lock on key {key} only at transaction level (pg_advisory_xact_lock), not the Promscale Connector's migration lock (the same key at session level, as pg_try_advisory_lock takes it)"
        ),
        ConnectorLock::NotHeld | ConnectorLock::Session => format!(
            "this session does not hold the Promscale Connector's migration lock (a session-level exclusive advisory lock on key {key})"
        ),
    }
}

/// "Session N holds that lock now ..." when another session has the lease.
pub(super) fn holder_note(facts: &Facts) -> String {
    let holder = facts.other_connector_sessions.iter().find(|s| s.standing() == Standing::Migrating);
    match holder {
        Some(h) => {
            let name = if h.application_name.is_empty() {
                "no application_name".to_string()
            } else {
                format!("application_name {}", escape(&h.application_name))
            };
            format!("Session {} ({name}) holds that lock now: if it is a connector, let it finish. ", h.pid)
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn shared_or_transaction_level_lock_is_not_the_lease() {
        for (lock, words) in [
            (ConnectorLock::SharedOnly, "only in shared mode"),
            (ConnectorLock::TransactionLevel, "only at transaction level (pg_advisory_xact_lock)"),
            (ConnectorLock::NotHeld, "does not hold"),
        ] {
            let facts = Facts { connector_lock: lock, ..installed("0.7.0") };
            let r = refusal(decide(&update(Some("0.8.0")), &facts));
            assert!(r.message.detail.contains(words), "{lock:?}: {}", r.message.detail);
        }
    }

    #[test]
    fn lease_held_by_another_session_is_named() {
        let facts = Facts {
            other_connector_sessions: vec![session(77, "promscale@0.17.0", &[("ExclusiveLock", true)])],
            ..installed("0.7.0")
        };
        let r = refusal(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert!(
            r.message.detail.contains("Session 77 (application_name promscale@0.17.0) holds that lock now"),
            "{}",
            r.message.detail
        );
    }
}
