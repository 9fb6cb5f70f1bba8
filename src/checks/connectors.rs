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
    let pids: Vec<String> = sessions.iter().map(|c| c.pid.to_string()).collect();
    Check::fail(
        NAME,
        format!(
            "{} connected: {}.",
            plural(sessions.len(), "Promscale Connector session is", "Promscale Connector sessions are"),
            list_some(&described, 10)
        ),
        format!(
            "Stop every Promscale Connector instance before the upgrade; then start one connector of the new version and let it update the extension. A session left behind can be ended with SELECT pg_terminate_backend(pid) FROM unnest(ARRAY[{}]) AS pid;",
            pids.join(", ")
        ),
    )
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
        });
        s.connector_sessions.push(ConnectorSession {
            pid: 4243,
            application_name: String::new(),
            client_addr: None,
            usename: None,
            lock_mode: Some("ShareLock".into()),
        });
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.starts_with("2 Promscale Connector sessions are connected"), "{}", c.detail);
        assert!(c.detail.contains("pid 4242 (application_name promscale@0.16.0, client 10.1.2.3"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("ARRAY[4242, 4243]"));
    }
}
