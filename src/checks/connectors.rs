//! All Promscale Connectors must be stopped before the upgrade.
//!
//! A running connector holds the advisory lock on the connector key in shared
//! mode on every pool connection; the one migrating holds it exclusively.
//! The application name `promscale@...` is a second, weaker signal (it is
//! only set when the connector builds its own connection string).

use super::{list_some, plural, Check, CheckName};
use crate::rules::Rules;
use crate::snapshot::{ConnectorSession, Snapshot};

const NAME: CheckName = CheckName::ConnectorsStopped;

/// One session as the readiness report and the enforcement messages show it.
pub(crate) fn describe(c: &ConnectorSession) -> String {
    if let Some(gid) = &c.prepared_transaction {
        return format!(
            "prepared transaction {} (owner {}, holds {} on the connector lock)",
            crate::quote::quote_literal(gid),
            c.usename.as_deref().unwrap_or("unknown"),
            c.lock_mode.as_deref().unwrap_or("a lock")
        );
    }
    let mut parts = vec![if c.application_name.is_empty() {
        "no application_name".to_string()
    } else {
        format!("application_name {}", c.application_name)
    }];
    if let Some(addr) = &c.client_addr {
        parts.push(format!("client {addr}"));
    }
    if let Some(user) = &c.usename {
        parts.push(format!("role {user}"));
    }
    match &c.lock_mode {
        Some(mode) => parts.push(format!("holds {mode} on the connector lock")),
        None => parts.push("no connector lock".to_string()),
    }
    format!("pid {} ({})", c.pid, parts.join(", "))
}

pub fn connectors_stopped(s: &Snapshot, rules: &Rules) -> Check {
    let sessions = &s.connector_sessions;
    if sessions.is_empty() {
        return Check::ok(
            NAME,
            format!(
                "No other session holds the connector's advisory lock (key {}) or is named {}*.",
                rules.connector_lock_key, rules.connector_application_name_prefix
            ),
        );
    }
    let described: Vec<String> = sessions.iter().map(describe).collect();
    let mut hint = "Stop every Promscale Connector instance before the upgrade; then start one connector of the new version and let it update the extension.".to_string();
    hint.push_str(&end_them(sessions));
    Check::fail(
        NAME,
        format!(
            "{} connected: {}.",
            plural(sessions.len(), "Promscale Connector session is", "Promscale Connector sessions are"),
            list_some(&described, 10)
        ),
        hint,
    )
}

/// " A session left behind can be ended with ...": the statements that end
/// the sessions and prepared transactions holding the connector's lock.
pub(crate) fn end_them(sessions: &[ConnectorSession]) -> String {
    let pids: Vec<String> =
        sessions.iter().filter(|c| c.prepared_transaction.is_none()).map(|c| c.pid.to_string()).collect();
    let prepared: Vec<String> = sessions
        .iter()
        .filter_map(|c| c.prepared_transaction.as_deref())
        .map(|gid| format!("ROLLBACK PREPARED {};", crate::quote::quote_literal(gid)))
        .collect();
    let mut text = String::new();
    if !pids.is_empty() {
        text.push_str(&format!(
            " A session left behind can be ended with SELECT pg_terminate_backend(pid) FROM unnest(ARRAY[{}]) AS pid;",
            pids.join(", ")
        ));
    }
    if !prepared.is_empty() {
        text.push_str(&format!(
            " A prepared transaction holds the connector's lock until it is committed or rolled back (as its owner or a superuser): {}",
            prepared.join(" ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::ConnectorSession;

    #[test]
    fn running_connectors_fail_with_pids_and_fix() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, None, "connectors_stopped").status, Status::Ok);
        s.connector_sessions.push(ConnectorSession {
            pid: 4242,
            application_name: "promscale@0.16.0".into(),
            client_addr: Some("10.1.2.3".into()),
            usename: Some("promscale".into()),
            lock_mode: Some("ShareLock".into()),
            prepared_transaction: None,
        });
        s.connector_sessions.push(ConnectorSession {
            pid: 4243,
            application_name: String::new(),
            client_addr: None,
            usename: None,
            lock_mode: Some("ShareLock".into()),
            prepared_transaction: None,
        });
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.starts_with("2 Promscale Connector sessions are connected"), "{}", c.detail);
        assert!(c.detail.contains("pid 4242 (application_name promscale@0.16.0, client 10.1.2.3"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("ARRAY[4242, 4243]"));
    }

    /// A prepared transaction keeps the lock (across restarts) with no pid.
    #[test]
    fn a_prepared_transaction_holding_the_lock_is_named() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        s.connector_sessions.push(ConnectorSession {
            pid: 0,
            application_name: String::new(),
            client_addr: None,
            usename: Some("app".into()),
            lock_mode: Some("ExclusiveLock".into()),
            prepared_transaction: Some("it's stuck".into()),
        });
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.contains("prepared transaction 'it''s stuck' (owner app, holds ExclusiveLock"),
            "{}",
            c.detail
        );
        let hint = c.hint.unwrap();
        assert!(hint.contains("ROLLBACK PREPARED 'it''s stuck';") && !hint.contains("pg_terminate_backend"), "{hint}");
    }
}
