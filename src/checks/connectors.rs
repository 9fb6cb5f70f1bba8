//! All Promscale Connectors must be stopped before the upgrade.
//!
//! A running connector holds the advisory lock on the connector key in shared
//! mode on every pool connection; the one migrating holds it exclusively.
//! Only a granted entry on the key counts (`Standing`): any login role can
//! name itself `promscale@...` or queue for the key behind the lease, so
//! such sessions are named as a warning, never as a failure.

use super::{list_some, plural, Check, CheckName};
use crate::quote::for_message as escape;
use crate::rules::Rules;
use crate::snapshot::{ConnectorSession, Snapshot, Standing};

const NAME: CheckName = CheckName::ConnectorsStopped;

/// "(application_name ..., client ..., role ...": who a session is, its
/// session-controlled strings escaped and cut.
fn identity(c: &ConnectorSession) -> Vec<String> {
    let mut parts = vec![if c.application_name.is_empty() {
        "no application_name".to_string()
    } else {
        format!("application_name {}", escape(&c.application_name))
    }];
    if let Some(addr) = &c.client_addr {
        parts.push(format!("client {}", escape(addr)));
    }
    if let Some(user) = &c.usename {
        parts.push(format!("role {}", escape(user)));
    }
    parts
}

/// One session as the readiness report and the enforcement messages show it.
pub(crate) fn describe(c: &ConnectorSession) -> String {
    let held = c.modes(true);
    if let Some(gid) = &c.prepared_transaction {
        return format!(
            "prepared transaction {} (owner {}, holds {} on the connector lock)",
            crate::quote::quote_literal(gid),
            c.usename.as_deref().map_or_else(|| "unknown".to_string(), escape),
            held.as_deref().unwrap_or("a lock")
        );
    }
    let mut parts = identity(c);
    match (held, c.modes(false)) {
        (Some(held), Some(waiting)) => parts.push(format!("holds {held} on the connector lock, waits for {waiting}")),
        (Some(held), None) => parts.push(format!("holds {held} on the connector lock")),
        (None, Some(waiting)) => parts.push(format!("waits for {waiting} on the connector lock")),
        (None, None) => parts.push("no connector lock".to_string()),
    }
    format!("pid {} ({})", c.pid, parts.join(", "))
}

/// A session that looks like a connector but holds nothing on the key, as
/// a warning names it: "pid N waits for the connector lock (...)", "pid N
/// is named promscale@... but holds no connector lock (...)".
pub(crate) fn describe_unlocked(c: &ConnectorSession) -> String {
    match c.standing() {
        Standing::Waiting => format!(
            "pid {} waits for the connector lock ({}, {})",
            c.pid,
            c.modes(false).unwrap_or_default(),
            identity(c).join(", ")
        ),
        _ => {
            let mut parts = identity(c);
            parts.remove(0);
            let who = if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) };
            format!("pid {} is named {} but holds no connector lock{who}", c.pid, escape(&c.application_name))
        }
    }
}

/// The sessions that hold the key (connectors) and those that only look
/// like one (waiting, or named so).
pub(crate) fn split(sessions: &[ConnectorSession]) -> (Vec<&ConnectorSession>, Vec<&ConnectorSession>) {
    sessions.iter().partition(|c| c.holds_the_key())
}

/// "... holds no connector lock; they are not counted ..." for the
/// sessions `split` puts second.
pub(crate) fn unlocked_list(unlocked: &[&ConnectorSession]) -> String {
    let seen: Vec<String> = unlocked.iter().map(|c| describe_unlocked(c)).collect();
    list_some(&seen, 10)
}

/// What to do about sessions that only look like connectors.
pub(crate) const UNLOCKED_HINT: &str = "A session that only waits for the connector lock or only carries a connector's application_name is not a running connector (any role can do either), so it does not stop the upgrade. If one of them is a Promscale Connector started without the lease (-startup.use-schema-version-lease=false or -db.read-only), stop it before the upgrade: it would keep running against an extension version it may not support.";

pub fn connectors_stopped(s: &Snapshot, rules: &Rules) -> Check {
    let (holding, unlocked) = split(&s.connector_sessions);
    let nobody = format!("No other session holds the connector's advisory lock (key {})", rules.connector_lock_key);
    if holding.is_empty() && unlocked.is_empty() {
        return Check::ok(NAME, format!("{nobody} or is named {}*.", rules.connector_application_name_prefix));
    }
    if holding.is_empty() {
        return Check::warning(
            NAME,
            format!(
                "{nobody}, so no Promscale Connector runs; seen, but not counted as connectors: {}.",
                unlocked_list(&unlocked)
            ),
            UNLOCKED_HINT,
        );
    }
    let described: Vec<String> = holding.iter().map(|c| describe(c)).collect();
    let mut detail = format!(
        "{} connected: {}.",
        plural(holding.len(), "Promscale Connector session is", "Promscale Connector sessions are"),
        list_some(&described, 10)
    );
    if !unlocked.is_empty() {
        detail.push_str(&format!(" Seen, but not counted as connectors: {}.", unlocked_list(&unlocked)));
    }
    let mut hint = "Stop every Promscale Connector instance before the upgrade; then start one connector of the new version and let it update the extension.".to_string();
    hint.push_str(&end_them(&holding));
    Check::fail(NAME, detail, hint)
}

/// " A session left behind can be ended with ...": the statements that end
/// the sessions and prepared transactions holding the connector's lock.
pub(crate) fn end_them(sessions: &[&ConnectorSession]) -> String {
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
    use crate::snapshot::{ConnectorSession, KeyLock};

    fn session(pid: i32, name: &str, locks: &[(&str, bool)]) -> ConnectorSession {
        ConnectorSession {
            pid,
            application_name: name.into(),
            client_addr: None,
            usename: None,
            locks: locks.iter().map(|(m, g)| KeyLock { mode: m.to_string(), granted: *g }).collect(),
            prepared_transaction: None,
        }
    }

    #[test]
    fn running_connectors_fail_with_pids_and_fix() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, None, "connectors_stopped").status, Status::Ok);
        s.connector_sessions.push(ConnectorSession {
            client_addr: Some("10.1.2.3".into()),
            usename: Some("promscale".into()),
            ..session(4242, "promscale@0.16.0", &[("ShareLock", true)])
        });
        s.connector_sessions.push(session(4243, "", &[("ShareLock", true)]));
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.starts_with("2 Promscale Connector sessions are connected"), "{}", c.detail);
        assert!(c.detail.contains("pid 4242 (application_name promscale@0.16.0, client 10.1.2.3"), "{}", c.detail);
        assert!(c.detail.contains("holds ShareLock on the connector lock"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("ARRAY[4242, 4243]"));
    }

    /// A session named like a connector, or waiting for the key behind the
    /// lease, is no connector (any role can be either): a warning that says
    /// what was seen, never a failure.
    #[test]
    fn names_and_waiters_alone_warn_and_say_what_was_seen() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        s.connector_sessions
            .push(ConnectorSession { usename: Some("mallory".into()), ..session(51, "promscale@0.17.0", &[]) });
        s.connector_sessions.push(session(52, "psql", &[("ShareLock", false)]));
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Warning, "{c:?}");
        assert!(c.detail.contains("so no Promscale Connector runs"), "{}", c.detail);
        assert!(
            c.detail.contains("pid 51 is named promscale@0.17.0 but holds no connector lock (role mallory)"),
            "{}",
            c.detail
        );
        assert!(
            c.detail.contains("pid 52 waits for the connector lock (ShareLock, application_name psql)"),
            "{}",
            c.detail
        );
        let hint = c.hint.unwrap();
        assert!(hint.contains("not a running connector") && !hint.contains("pg_terminate_backend"), "{hint}");

        // Beside a real holder: it fails for the holder alone, and the
        // others are named as not counted.
        s.connector_sessions.push(session(53, "promscale@0.16.0", &[("ShareLock", true)]));
        let c = run_named(&s, None, "connectors_stopped");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.starts_with("1 Promscale Connector session is connected: pid 53 "), "{}", c.detail);
        assert!(c.detail.contains("Seen, but not counted as connectors: pid 51 is named"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("ARRAY[53])"));
    }

    /// application_name is session input: escaped and cut where printed.
    #[test]
    fn session_strings_are_escaped_and_cut() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        let long = format!("promscale@0.17.0\nLOG:  forged \"{}", "x".repeat(200));
        s.connector_sessions.push(session(61, &long, &[]));
        let c = run_named(&s, None, "connectors_stopped");
        assert!(!c.detail.contains('\n') && c.detail.contains("promscale@0.17.0\\nLOG:  forged \\\""), "{}", c.detail);
        assert!(c.detail.contains("...") && c.detail.len() < 400, "{}", c.detail);
    }

    /// A prepared transaction keeps the lock (across restarts) with no pid.
    #[test]
    fn a_prepared_transaction_holding_the_lock_is_named() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        s.connector_sessions.push(ConnectorSession {
            usename: Some("app".into()),
            prepared_transaction: Some("it's stuck".into()),
            ..session(0, "", &[("ExclusiveLock", true)])
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
